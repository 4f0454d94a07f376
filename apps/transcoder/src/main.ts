// SPDX-License-Identifier: MIT-0
import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { parseConfig } from './config.ts';
import { EXIT, exitCodeFor, InterruptedError, InvalidInputError } from './errors.ts';
import { runJob } from './job.ts';

/**
 * The container's entry point (an ECS/Fargate task): configuration from the environment,
 * exit code 0 done, 2 invalid input, 1 anything else (including a stop request).
 */
const logger = new Logger({ serviceName: 'transcoder' });
const controller = new AbortController();

// ECS sends SIGTERM on StopTask and Spot interruption, then SIGKILL after stopTimeout (30 s by default).
const GRACE_MS = 20_000;
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.once(sig, () => {
    logger.warn('stop requested: stopping ffmpeg; no manifest will be written', { signal: sig });
    controller.abort(new InterruptedError(sig));
    setTimeout(() => {
      logger.error('did not stop in time');
      process.exit(EXIT.failed);
    }, GRACE_MS).unref();
  });
}

async function main(): Promise<number> {
  try {
    const config = parseConfig(process.env);
    logger.appendKeys({ inputBucket: config.INPUT_BUCKET, inputKey: config.INPUT_KEY });
    const s3 = new S3Client({ forcePathStyle: config.S3_FORCE_PATH_STYLE });
    const manifest = await runJob(config, { s3, logger, signal: controller.signal });
    logger.info('done', { renditions: manifest.renditions.map((r) => `${r.name} ${r.width}x${r.height}`) });
    return EXIT.ok;
  } catch (err) {
    const code = exitCodeFor(err);
    if (err instanceof InvalidInputError) logger.error('invalid input', { reason: err.message, exitCode: code });
    else if (controller.signal.aborted)
      logger.error('stopped', { reason: err instanceof Error ? err.message : String(err), exitCode: code });
    else logger.error('failed', { error: err, exitCode: code });
    return code;
  }
}

process.exitCode = await main();
// Let stdout drain, but do not wait on idle keep-alive sockets.
setTimeout(() => process.exit(), 2000).unref();
