import type { BackendName } from './services.ts';

/** Versions the harness starts. Bump them here and nowhere else. */
export const MINISTACK_VERSION = '1.5.33';
export const MINISTACK_IMAGE = `ministackorg/ministack:${MINISTACK_VERSION}`;
/** The last LocalStack image that starts without LOCALSTACK_AUTH_TOKEN. */
export const LOCALSTACK_IMAGE = 'localstack/localstack:4.14.0';
/**
 * The same community code (PyPI localstack-core 4.14.0) built locally by
 * .ci/images/localstack/build.sh, where no registry is reachable. Not LocalStack's published image.
 */
export const LOCALSTACK_LOCAL_IMAGE = 'aws-compute-samples/localstack:4.14.0';
export const DEFAULT_REGION = 'us-east-1';

export type Choice = 'auto' | BackendName;

export interface HarnessConfig {
  choice: Choice;
  region: string;
  /** For `external`: where the user's emulator listens. */
  externalEndpoint: string | undefined;
  /** For `localstack`: image override and token for current images. */
  localstackImage: string;
  localstackToken: string | undefined;
  /** For `ministack`: image, python interpreter and cache folder for the process mode. */
  ministackImage: string;
  ministackMode: 'auto' | 'container' | 'process';
  python: string;
  cacheDir: string;
  declaredServices: string | undefined;
  /**
   * ministack evaluates the IAM policies of every call (its `AUTH=true`), as AWS does: the
   * default. `AWS_EMULATOR_IAM=off` turns it off, e.g. to tell an IAM denial from another failure.
   */
  enforceIam: boolean;
  /**
   * ministack's process mode keeps its state across a restart (its PERSIST_STATE and S3_PERSIST,
   * in a folder of this run), so that a test can restart it mid-run (`restartEmulator`).
   * `MINISTACK_PERSIST_STATE=1`; the reliability project sets it.
   */
  persistState: boolean;
}

const CHOICES: Choice[] = ['auto', 'ministack', 'localstack', 'external'];

export function readConfig(env: NodeJS.ProcessEnv, home: string): HarnessConfig {
  const raw = (env.AWS_EMULATOR ?? 'auto').trim().toLowerCase();
  if (!CHOICES.includes(raw as Choice)) {
    throw new Error(`AWS_EMULATOR=${raw} is not one of ${CHOICES.join(', ')}`);
  }
  const mode = (env.MINISTACK_MODE ?? 'auto').trim().toLowerCase();
  if (mode !== 'auto' && mode !== 'container' && mode !== 'process') {
    throw new Error(`MINISTACK_MODE=${mode} is not one of auto, container, process`);
  }
  const iam = (env.AWS_EMULATOR_IAM ?? 'enforce').trim().toLowerCase();
  if (iam !== 'enforce' && iam !== 'off') {
    throw new Error(`AWS_EMULATOR_IAM=${iam} is not one of enforce, off`);
  }
  return {
    choice: raw as Choice,
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? DEFAULT_REGION,
    externalEndpoint: env.AWS_ENDPOINT_URL,
    localstackImage: env.LOCALSTACK_IMAGE ?? LOCALSTACK_IMAGE,
    localstackToken: env.LOCALSTACK_AUTH_TOKEN,
    ministackImage: env.MINISTACK_IMAGE ?? MINISTACK_IMAGE,
    ministackMode: mode,
    python: env.MINISTACK_PYTHON ?? 'python3',
    cacheDir: env.AWS_SAMPLES_CACHE ?? `${home}/.cache/aws-compute-samples`,
    declaredServices: env.AWS_EMULATOR_SERVICES,
    enforceIam: iam === 'enforce',
    persistState: env.MINISTACK_PERSIST_STATE === '1',
  };
}
