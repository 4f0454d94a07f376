// SPDX-License-Identifier: MIT-0
import { z } from 'zod';

/** The API's environment contract: ECS passes these as container environment variables. */
const Env = z.object({
  PORT: z.coerce.number().int().min(1).max(65_535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  /** The order processor's queue (a `.fifo` URL selects FIFO sends). */
  ORDERS_QUEUE_URL: z.url(),
  /** The table the processor stores accepted orders in. */
  ORDERS_TABLE: z.string().min(3),
  /** The table the processor records rejected orders in, with their reason. */
  REJECTIONS_TABLE: z.string().min(3),
  /** The API's own table: one item per accepted Idempotency-Key, the "queued" state. */
  REQUESTS_TABLE: z.string().min(3),
  /** Bodies above this are answered 413 before they are parsed. */
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(1_048_576).default(65_536),
  /** What a 503 tells the client to wait before retrying with the same Idempotency-Key. */
  RETRY_AFTER_SECONDS: z.coerce.number().int().min(1).max(3600).default(2),
  /**
   * How long SIGTERM waits for in-flight requests before the process exits anyway. Below the
   * container's stop timeout (30 s in the stack), so the process exits on its own, not by SIGKILL.
   */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(120_000).default(20_000),
  /** Days an Idempotency-Key is remembered (and a queued order is known). */
  REQUEST_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(7),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof Env>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads the configuration from the environment, or throws ConfigError naming every bad variable. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = Env.safeParse(env);
  if (!result.success) {
    const reasons = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${reasons}`);
  }
  return result.data;
}
