// SPDX-License-Identifier: MIT-0
import { z } from 'zod';
import { DEFAULT_MODEL_TIMEOUT_MS } from './limits.ts';
import { DEFAULT_MAX_IMAGE_BYTES } from './request.ts';

const ConfigSchema = z
  .object({
    ENDPOINT_NAME: z.string().min(1, { error: 'ENDPOINT_NAME is required' }),
    MAX_IMAGE_BYTES: z.coerce.number().int().positive().default(DEFAULT_MAX_IMAGE_BYTES),
    // Per attempt; the function's timeout must outlast every attempt (limits.ts, timeoutsFor).
    MODEL_TIMEOUT_MS: z.coerce.number().int().positive().default(DEFAULT_MODEL_TIMEOUT_MS),
    // Empty: no CORS headers from the function (an HTTP API with a CORS configuration adds them).
    CORS_ALLOW_ORIGIN: z.string().default('*'),
  })
  .transform((c) => ({
    endpointName: c.ENDPOINT_NAME,
    maxImageBytes: c.MAX_IMAGE_BYTES,
    modelTimeoutMs: c.MODEL_TIMEOUT_MS,
    corsAllowOrigin: c.CORS_ALLOW_ORIGIN,
  }));

export type Config = z.output<typeof ConfigSchema>;

/** The function's configuration, read from its environment. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = ConfigSchema.safeParse(env);
  if (!result.success) {
    throw new Error(
      `invalid configuration: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return result.data;
}
