// SPDX-License-Identifier: MIT-0
import { z } from 'zod';

const list = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x !== ''),
  );

/** The function's environment. Everything about where and how the task runs is configuration. */
const Env = z.object({
  CLUSTER: z.string().min(1),
  TASK_DEFINITION: z.string().min(1),
  CONTAINER_NAME: z.string().min(1).default('transcoder'),
  /** `FARGATE` (launch type) or `FARGATE_SPOT` (capacity provider strategy; the cluster must have it). */
  CAPACITY_PROVIDER: z.enum(['FARGATE', 'FARGATE_SPOT']).default('FARGATE'),
  SUBNETS: list.refine((s) => s.length > 0, 'at least one subnet id, comma-separated'),
  SECURITY_GROUPS: list,
  ASSIGN_PUBLIC_IP: z.enum(['ENABLED', 'DISABLED']).default('DISABLED'),
  /** The DynamoDB table of started uploads (partition key `token`, a string). */
  LAUNCH_TABLE: z.string().min(3),
  /**
   * How long an invocation holds an upload while it starts the task. Longer than the
   * function's timeout, so that a claim whose lease ran out belongs to an invocation that is gone.
   */
  CLAIM_LEASE_SECONDS: z.coerce.number().int().min(1).max(900).default(60),
  /** Optional: passed to the task as overrides when set; otherwise the task definition's values apply. */
  OUTPUT_BUCKET: z.string().min(3).optional(),
  OUTPUT_PREFIX: z.string().min(1).optional(),
  RENDITIONS: z.string().min(1).optional(),
});

export type Config = z.infer<typeof Env>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function parseConfig(env: Record<string, string | undefined>): Config {
  const res = Env.safeParse(env);
  if (!res.success) {
    const detail = res.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid environment: ${detail}`);
  }
  return res.data;
}
