// SPDX-License-Identifier: MIT-0
import { z } from 'zod';
import { DEFAULT_OUTPUT_PREFIX } from './contract.ts';
import { InvalidInputError } from './errors.ts';

/**
 * The task's environment contract. ECS passes these as container environment variables
 * (and per-run values as container overrides of RunTask).
 */
const Env = z.object({
  INPUT_BUCKET: z.string().min(3),
  INPUT_KEY: z.string().min(1).max(1024),
  // Optional: the ETag named by the upload event. Quotes are dropped (GetObject quotes it, events do not).
  INPUT_ETAG: z
    .string()
    .optional()
    .transform((v) => v?.trim().replace(/^"(.*)"$/, '$1') || undefined)
    .refine((v) => v === undefined || /^[^"\s]+$/.test(v), 'an ETag such as 9b2cf535f27731c974343645a3985328'),
  OUTPUT_BUCKET: z.string().min(3),
  OUTPUT_PREFIX: z
    .string()
    .default(DEFAULT_OUTPUT_PREFIX)
    .transform((p) => p.replace(/^\/+|\/+$/g, ''))
    .refine((p) => p.length > 0, 'must not be empty'),
  RENDITIONS: z
    .string()
    .default('1080,720,480')
    .transform((s, ctx) => {
      const heights = s
        .split(',')
        .map((x) => x.trim().replace(/p$/i, ''))
        .filter((x) => x !== '')
        .map(Number);
      if (heights.length === 0 || heights.some((h) => !Number.isInteger(h) || h < 64 || h > 4320)) {
        ctx.addIssue({
          code: 'custom',
          message: 'a comma-separated list of heights between 64 and 4320, e.g. 1080,720,480',
        });
        return z.NEVER;
      }
      return [...new Set(heights)].sort((a, b) => b - a);
    }),
  X264_PRESET: z
    .enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'])
    .default('medium'),
  CRF: z.coerce.number().int().min(0).max(51).default(23),
  MAX_DURATION_SECONDS: z.coerce
    .number()
    .positive()
    .default(6 * 3600),
  PROGRESS_INTERVAL_MS: z.coerce.number().int().min(100).default(5000),
  S3_FORCE_PATH_STYLE: z
    .enum(['true', 'false', '1', '0', ''])
    .default('')
    .transform((v) => v === 'true' || v === '1'),
});

export type Config = z.infer<typeof Env>;

/** Parses the environment; a missing or malformed variable is an invalid input (exit code 2). */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const res = Env.safeParse(env);
  if (!res.success) {
    const detail = res.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new InvalidInputError(`invalid environment: ${detail}`);
  }
  return res.data;
}
