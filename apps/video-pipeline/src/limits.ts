// SPDX-License-Identifier: MIT-0
/**
 * The pipeline's limits, defined once. ValidateVideo's `MAX_INPUT_BYTES`, the transcoder's
 * `MAX_DURATION_SECONDS` (a container override of every task the pipeline starts), the ECS
 * state's `TimeoutSeconds`, the transcode attempts and their backoff, and the execution's
 * `TimeoutSeconds` all come from here. The ASL file holds the numbers it needs literally (a JSON
 * number cannot be a `${}` placeholder); the CDK stack and the test stack refuse a definition
 * whose numbers differ from these (`infra/definition.ts`).
 */

/** What the timeouts are derived from: stated worst cases, not averages. */
export const ASSUMPTIONS = {
  /**
   * Seconds of video encoded per second of wall time, into every rendition at once (one ffmpeg
   * run, 1080p + 720p + 480p, x264 preset `medium`, crf 23, on the task's 2 vCPU). Measured with
   * Debian's ffmpeg 5.1: 10 s of a 1080p30 test pattern took 36 s of CPU, about 18 s on 2 vCPU
   * (0.55); camera footage has more detail and encodes slower, so 0.4 is assumed.
   */
  encodeRealtimeFactor: 0.4,
  /** Download of the source plus upload of the renditions, S3 <-> Fargate in one region. */
  s3BytesPerSecond: 25 * 1024 ** 2,
  /** Task start (ENI, image pull), probe, manifest: what a transcode costs besides the encode. */
  taskOverheadSeconds: 600,
  /**
   * Everything in an execution besides the transcode attempts and their waits: ValidateVideo and
   * two notices, each with its own retries, and RunTask's own retries of API errors.
   * `test/definition.test.ts` computes the worst case of those from the ASL and checks it fits.
   */
  orchestrationSeconds: 3600,
} as const;

export interface PipelineLimits {
  /** ValidateVideo rejects larger uploads (`MAX_INPUT_BYTES`). */
  maxInputBytes: number;
  /** The transcoder rejects longer videos with exit code 2 (`MAX_DURATION_SECONDS`). */
  maxDurationSeconds: number;
  /** The ECS state's `TimeoutSeconds`: one transcode of the largest, longest accepted video. */
  taskTimeoutSeconds: number;
  /** Transcode attempts in all (the first + retries of transient failures). */
  transcodeAttempts: number;
  /** Wait before the first retry; each further wait doubles it. */
  firstRetryDelaySeconds: number;
  /** The execution's `TimeoutSeconds`. */
  executionTimeoutSeconds: number;
}

const minutes = (seconds: number) => Math.ceil(seconds / 60) * 60;

/** Waits between attempts: `first`, `2 x first`, ... (one fewer than the attempts). */
export function retryDelays(limits: Pick<PipelineLimits, 'transcodeAttempts' | 'firstRetryDelaySeconds'>): number[] {
  return Array.from({ length: limits.transcodeAttempts - 1 }, (_, i) => limits.firstRetryDelaySeconds * 2 ** i);
}

/**
 * The timeouts that follow from the accepted input:
 * - task timeout >= max duration / realtime factor + (max bytes down + max bytes up) / throughput + overhead
 * - execution timeout >= attempts x task timeout + the waits between them + the orchestration
 */
export function deriveLimits(input: {
  maxInputBytes: number;
  maxDurationSeconds: number;
  transcodeAttempts: number;
  firstRetryDelaySeconds: number;
}): PipelineLimits {
  const a = ASSUMPTIONS;
  const taskTimeoutSeconds = minutes(
    input.maxDurationSeconds / a.encodeRealtimeFactor +
      (2 * input.maxInputBytes) / a.s3BytesPerSecond +
      a.taskOverheadSeconds,
  );
  const waits = retryDelays(input).reduce((s, d) => s + d, 0);
  return {
    ...input,
    taskTimeoutSeconds,
    executionTimeoutSeconds: minutes(input.transcodeAttempts * taskTimeoutSeconds + waits + a.orchestrationSeconds),
  };
}

/** The pipeline's limits: uploads up to 10 GiB and 1 hour of video (about 23 Mbit/s at the limit of both). */
export const LIMITS: PipelineLimits = deriveLimits({
  maxInputBytes: 10 * 1024 ** 3,
  maxDurationSeconds: 3600,
  transcodeAttempts: 3,
  firstRetryDelaySeconds: 15,
});
