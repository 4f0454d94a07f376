import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, inject } from 'vitest';
import type { EmulatorInfo } from './index.ts';
import type { Service } from './services.ts';
import './provided.ts';

/** The emulator started by the global setup, with its SDK environment applied to process.env. */
export function emulator(): EmulatorInfo {
  const info = inject('awsEmulator');
  if (!info) {
    throw new Error(
      'No emulator in this test run: run it through the integration or e2e project (test/vitest.config.ts), whose global setup starts one',
    );
  }
  Object.assign(process.env, info.env);
  return info;
}

/** The services the current backend lacks among those named. */
export function missingServices(...needed: Service[]): Service[] {
  const info = emulator();
  return needed.filter((s) => !info.services.includes(s));
}

/**
 * `describe` that runs only when the backend has every named service. Otherwise the
 * suite is skipped and its title, which the reporter prints, names the backend and the
 * missing services.
 */
export function describeWith(services: Service[], title: string, body: () => void): void {
  const missing = missingServices(...services);
  if (missing.length === 0) {
    describe(title, body);
    return;
  }
  const reason = `skipped: backend ${emulator().backend} lacks ${missing.join(', ')}`;
  console.warn(`[emulator] ${title}: ${reason}`);
  describe.skip(`${title} [${reason}]`, body);
}

/**
 * A name unique to this test file and run, valid for S3 buckets, SQS queues, Lambda
 * functions, DynamoDB tables and state machines (lower case, digits, dashes, <= 40 chars).
 */
export function uniqueName(prefix: string): string {
  const file = expect.getState().testPath ?? 'unknown';
  const fileHash = createHash('sha1').update(file).digest('hex').slice(0, 6);
  const clean = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 20);
  return `${clean || 'x'}-${fileHash}-${randomBytes(3).toString('hex')}`;
}
