// SPDX-License-Identifier: MIT-0
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Config } from './config.ts';
import { RejectedInput } from './errors.ts';
import type { S3Event, S3Record } from './event.ts';
import { decodeS3Key, recursionGuard, renditionKeyProblem } from './plan.ts';
import { type Encoded, renderAll } from './resize.ts';

export type Outcome = 'resized' | 'skipped' | 'rejected';
export type { S3Record } from './event.ts';

export interface ResizeDeps {
  s3: S3Client;
  config: Config;
  logger: Logger;
  metrics: Metrics;
}

const OUTCOME_METRIC: Record<Outcome, string> = {
  resized: 'ImagesResized',
  skipped: 'ImagesSkipped',
  rejected: 'ImagesRejected',
};

/**
 * S3 ObjectCreated -> renditions. Every record is processed. Rejected input (empty, too
 * large, not an image, corrupt, a decompression bomb, a key too long for its renditions) is
 * logged and writes nothing; it is not retried. An object deleted before it is processed is
 * skipped. Every other failure throws, so Lambda retries the event, and the retry rewrites the
 * same keys.
 */
export async function processEvent(
  event: S3Event,
  deps: ResizeDeps,
): Promise<{ results: { key: string; outcome: Outcome }[] }> {
  const results: { key: string; outcome: Outcome }[] = [];
  for (const record of event.Records) {
    const key = decodeS3Key(record.s3.object.key);
    const outcome = await processRecord(record, key, deps);
    deps.metrics.addMetric(OUTCOME_METRIC[outcome], MetricUnit.Count, 1);
    results.push({ key, outcome });
  }
  return { results };
}

export async function processRecord(
  record: S3Record,
  key: string,
  { s3, config, logger, metrics }: ResizeDeps,
): Promise<Outcome> {
  const bucket = record.s3.bucket.name;
  const log = logger.createChild({ persistentLogAttributes: { bucket, key } });
  const guard = recursionGuard(bucket, key, config);
  if (guard) {
    log.info('skipped: would write where the trigger listens', { reason: guard });
    return 'skipped';
  }
  const t0 = performance.now();
  try {
    const keyProblem = renditionKeyProblem(key, config);
    if (keyProblem) throw new RejectedInput(keyProblem);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = head.ContentLength ?? 0;
    if (bytes === 0) throw new RejectedInput('empty object');
    if (bytes > config.maxInputBytes) {
      throw new RejectedInput(`object is ${bytes} bytes, above MAX_INPUT_BYTES ${config.maxInputBytes}`);
    }
    const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, IfMatch: head.ETag }));
    if (!res.Body) throw new Error(`GetObject of s3://${bucket}/${key} returned no body`);
    const input = Buffer.from(await res.Body.transformToByteArray());
    const tDecode = performance.now();
    // Throws RejectedInput when the input cannot be read; any other error is left to Lambda's retries.
    const renditions = await renderAll(input, key, config);
    const tEncode = performance.now();
    await putAll(s3, config, renditions, head.ETag ?? '');
    metrics.addMetric('RenditionsWritten', MetricUnit.Count, renditions.length);
    log.info('resized', {
      sourceBytes: bytes,
      renditions: renditions.map((r) => ({ key: r.key, width: r.width, height: r.height, bytes: r.body.length })),
      downloadMs: Math.round(tDecode - t0),
      renderMs: Math.round(tEncode - tDecode),
      uploadMs: Math.round(performance.now() - tEncode),
    });
    return 'resized';
  } catch (err) {
    // 404 needs s3:ListBucket on the source bucket: without it S3 answers 403 AccessDenied for a
    // missing key, which is thrown and retried like any other failure.
    if (err instanceof NoSuchKey || err instanceof NotFound) {
      log.warn('skipped: the object no longer exists', { reason: 'object not found' });
      return 'skipped';
    }
    if (err instanceof RejectedInput) {
      log.error('rejected', { reason: err.message });
      return 'rejected';
    }
    log.error('transient failure, the event will be retried', { error: err });
    throw err;
  }
}

/**
 * Uploads every rendition, waiting for all of them, then rethrows the first failure. Nothing is
 * deleted on failure: the keys are deterministic, so what a failed attempt leaves is its own output
 * or an earlier run's, and the retry overwrites them all.
 */
async function putAll(s3: S3Client, config: Config, renditions: Encoded[], etag: string): Promise<void> {
  const results = await Promise.allSettled(
    renditions.map((r) =>
      s3.send(
        new PutObjectCommand({
          Bucket: config.destBucket,
          Key: r.key,
          Body: r.body,
          ContentType: r.contentType,
          CacheControl: config.cacheControl,
          Metadata: { 'source-etag': etag.replaceAll('"', ''), width: String(r.width), height: String(r.height) },
        }),
      ),
    ),
  );
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}
