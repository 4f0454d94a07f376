import type { TestProject } from 'vitest/node';
import { type Emulator, startEmulator } from './index.ts';
import './provided.ts';

interface Shared {
  emulator: Promise<Emulator>;
  users: number;
}

const KEY = Symbol.for('aws-compute-samples.emulator');
/** What ran, kept after the stop for the summary reporter (test/summary-reporter.ts). */
export const RAN_KEY = Symbol.for('aws-compute-samples.emulator-ran');
const holder = globalThis as unknown as Record<symbol, Shared | undefined>;

/**
 * Vitest global setup: one emulator for the whole run, however many projects use it.
 * Tests read it with `inject('awsEmulator')`, or through `emulator()` from
 * `@samples/emulator/testing`; its SDK environment is also set on process.env before the
 * workers start, so clients built with no options reach it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let shared = holder[KEY];
  if (!shared) {
    const emulator = startEmulator();
    shared = { emulator, users: 0 };
    holder[KEY] = shared;
    const info = await emulator;
    Object.assign(process.env, info.env);
    console.log(
      `[emulator] backend ${info.backend}: ${info.description} at ${info.endpoint}, started in ${info.startedInMs} ms; ` +
        `IAM ${info.services.includes('iam-enforcement') ? 'enforced' : 'not enforced'}; services: ${info.services.join(', ')}`,
    );
    for (const note of info.notes) console.log(`[emulator]   ${note}`);
    (globalThis as Record<symbol, unknown>)[RAN_KEY] = {
      backend: info.backend,
      description: info.description,
      notes: info.notes,
      startedInMs: info.startedInMs,
    };
  }
  shared.users += 1;
  const emulator = await shared.emulator;
  const { stop: _stop, ...info } = emulator;
  project.provide('awsEmulator', info);
  return async () => {
    const current = holder[KEY];
    if (!current) return;
    current.users -= 1;
    if (current.users === 0) {
      holder[KEY] = undefined;
      await emulator.stop();
    }
  };
}
