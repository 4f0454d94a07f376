// SPDX-License-Identifier: MIT-0
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { GetObjectCommand, HeadObjectCommand, type S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { objectMissing } from './missing.ts';
import { unquoted } from './notice.ts';
import { type Container, rejectionReason, SNIFF_BYTES, sniffContainer } from './sniff.ts';

/** The execution's input: the upload, with the ETag of its event when a trigger started it. */
const Input = z.object({
  bucket: z.string().min(3),
  key: z.string().min(1).max(1024),
  etag: z.string().nullish(),
});

/** Every field is always present (null when unknown), so the state machine can select them. */
export interface Validation {
  valid: boolean;
  reason: string | null;
  container: Container | null;
  size: number | null;
  contentType: string | null;
  /** The ETag (unquoted) of the version validated: the one the task transcodes and the manifest must name. */
  etag: string | null;
}

export interface ValidateDeps {
  s3: S3Client;
  config: { maxBytes: number };
  logger: Logger;
  metrics: Metrics;
}

const isPreconditionFailed = (err: unknown): boolean =>
  err instanceof S3ServiceException && (err.name === 'PreconditionFailed' || err.$metadata.httpStatusCode === 412);

/**
 * ValidateVideo: checks what it can without ffmpeg: the object exists (and is still the version
 * of the upload event, when the input names its ETag), its size, its content type and its
 * container's magic bytes (one ranged GET of the first 4 KiB). A rejection is an answer
 * (`valid: false` and why); other S3 errors are thrown, for the state machine's Retry.
 */
export async function validateUpload(event: unknown, deps: ValidateDeps): Promise<Validation> {
  const result = await check(event, deps);
  deps.metrics.addMetric(result.valid ? 'VideosAccepted' : 'VideosRejected', MetricUnit.Count, 1);
  return result;
}

async function check(event: unknown, { s3, config, logger }: ValidateDeps): Promise<Validation> {
  const parsed = Input.safeParse(event);
  if (!parsed.success) {
    const reason = `invalid input: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
    logger.error('video rejected', { reason });
    return { valid: false, reason, container: null, size: null, contentType: null, etag: null };
  }
  const { bucket, key } = parsed.data;
  const expected = parsed.data.etag ? unquoted(parsed.data.etag) : undefined;
  let head: { size: number; contentType: string | undefined; etag: string | undefined };
  let bytes: Uint8Array;
  try {
    const h = await s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: key, IfMatch: expected ? `"${expected}"` : undefined }),
    );
    head = { size: h.ContentLength ?? 0, contentType: h.ContentType, etag: h.ETag ? unquoted(h.ETag) : expected };
    bytes = new Uint8Array();
    if (head.size > 0) {
      const res = await s3.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=0-${SNIFF_BYTES - 1}`, IfMatch: h.ETag }),
      );
      if (!res.Body) throw new Error(`GetObject of s3://${bucket}/${key} returned no body`);
      bytes = await res.Body.transformToByteArray();
    }
  } catch (err) {
    let reason: string;
    if (isPreconditionFailed(err)) {
      // Replaced since the event: the newer upload has an execution of its own.
      reason = `s3://${bucket}/${key} was replaced after this upload (its ETag is no longer ${expected})`;
    } else if (await objectMissing(s3, { bucket, key }, err)) {
      reason = `s3://${bucket}/${key} does not exist`;
    } else throw err;
    logger.error('video rejected', { bucket, key, reason });
    return { valid: false, reason, container: null, size: null, contentType: null, etag: null };
  }
  const container = sniffContainer(bytes);
  const reason =
    rejectionReason({ size: head.size, contentType: head.contentType, container }, { maxBytes: config.maxBytes }) ??
    null;
  const result: Validation = {
    valid: reason === null,
    reason,
    container: container ?? null,
    size: head.size,
    contentType: head.contentType ?? null,
    etag: head.etag ?? null,
  };
  if (reason) logger.error('video rejected', { bucket, key, ...result });
  else logger.info('video accepted', { bucket, key, ...result });
  return result;
}
