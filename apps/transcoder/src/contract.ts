// SPDX-License-Identifier: MIT-0
/**
 * The task's environment contract, for whatever starts it (RunTask container overrides, a
 * Step Functions `ecs:runTask.sync` state, a task definition). `config.ts` parses the same
 * names; a unit test keeps the two in step.
 */
export const TASK_ENV = {
  inputBucket: 'INPUT_BUCKET',
  inputKey: 'INPUT_KEY',
  inputEtag: 'INPUT_ETAG',
  outputBucket: 'OUTPUT_BUCKET',
  outputPrefix: 'OUTPUT_PREFIX',
  renditions: 'RENDITIONS',
  x264Preset: 'X264_PRESET',
  crf: 'CRF',
  s3ForcePathStyle: 'S3_FORCE_PATH_STYLE',
} as const;

/** The container's name in the sample task definition. */
export const CONTAINER_NAME = 'transcoder';

export { EXIT_CODES } from './errors.ts';

/**
 * Default output prefix: renditions at `processed/{720p}/{source key}.mp4`, the manifest at
 * `processed/manifest/{source key}.json` (the whole key: `uploads/clip.mov` -> `processed/720p/uploads/clip.mov.mp4`).
 */
export const DEFAULT_OUTPUT_PREFIX = 'processed';

export interface TaskInput {
  inputBucket: string;
  inputKey: string;
  /**
   * The ETag of the upload to transcode (as S3 event records carry it, quotes optional). The
   * task then reads only that version: if the object was replaced since, it exits 2 and writes nothing.
   */
  inputEtag?: string;
  outputBucket?: string;
  /** Key prefix of everything written; default `processed`. */
  outputPrefix?: string;
  /** Short-side sizes; default 1080, 720, 480. */
  renditions?: readonly number[];
  x264Preset?: string;
  crf?: number;
  /**
   * Bucket in the path instead of the host name: for S3-compatible stores reached through a
   * host name that has no per-bucket DNS entries. Not needed on AWS.
   */
  s3ForcePathStyle?: boolean;
}

/** `[{ name, value }]` as ECS takes it in `containerOverrides[].environment` or a task definition. */
export function taskEnvironment(input: TaskInput): { name: string; value: string }[] {
  const values: Record<keyof typeof TASK_ENV, string | undefined> = {
    inputBucket: input.inputBucket,
    inputKey: input.inputKey,
    inputEtag: input.inputEtag,
    outputBucket: input.outputBucket,
    outputPrefix: input.outputPrefix,
    renditions: input.renditions?.join(','),
    x264Preset: input.x264Preset,
    crf: input.crf === undefined ? undefined : String(input.crf),
    s3ForcePathStyle: input.s3ForcePathStyle === undefined ? undefined : String(input.s3ForcePathStyle),
  };
  return (Object.keys(TASK_ENV) as (keyof typeof TASK_ENV)[])
    .filter((k) => values[k] !== undefined)
    .map((k) => ({ name: TASK_ENV[k], value: values[k] as string }));
}

/** Where the task writes each rendition and, last, the manifest that proves the job complete. */
export { manifestKey, renditionKey } from './keys.ts';
