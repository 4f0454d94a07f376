// SPDX-License-Identifier: MIT-0
import { z } from 'zod';
import { LIMITS } from './limits.ts';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function parse<T extends z.ZodType>(schema: T, env: Record<string, string | undefined>): z.output<T> {
  const res = schema.safeParse(env);
  if (!res.success) {
    const detail = res.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid environment: ${detail}`);
  }
  return res.data;
}

const TriggerEnv = z.object({ STATE_MACHINE_ARN: z.string().min(1) });
const ValidateEnv = z.object({
  MAX_INPUT_BYTES: z.coerce.number().int().positive().default(LIMITS.maxInputBytes),
});
const NotifyEnv = z.object({
  TOPIC_ARN: z.string().min(1),
  OUTPUT_BUCKET: z.string().min(3),
  OUTPUT_PREFIX: z.string().min(1).default('processed'),
});

/** The trigger's environment: the state machine it starts. */
export const triggerConfig = (env: Record<string, string | undefined>) => {
  const e = parse(TriggerEnv, env);
  return { stateMachineArn: e.STATE_MACHINE_ARN };
};

/** ValidateVideo's environment: the largest upload it accepts. */
export const validateConfig = (env: Record<string, string | undefined>) => {
  const e = parse(ValidateEnv, env);
  return { maxBytes: e.MAX_INPUT_BYTES };
};

/** The notifier's environment: the topic, and where the transcoder writes its manifests. */
export const notifyConfig = (env: Record<string, string | undefined>) => {
  const e = parse(NotifyEnv, env);
  return { topicArn: e.TOPIC_ARN, outputBucket: e.OUTPUT_BUCKET, outputPrefix: e.OUTPUT_PREFIX };
};
