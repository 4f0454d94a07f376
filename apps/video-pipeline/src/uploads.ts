// SPDX-License-Identifier: MIT-0
import { createHash } from 'node:crypto';
import { S3EventNotificationEventBridgeSchema, S3Schema } from '@aws-lambda-powertools/parser/schemas/s3';
import { z } from 'zod';

export interface Upload {
  bucket: string;
  key: string;
  etag: string;
  size: number | undefined;
  /** The PUT's place among the events of its key: a new upload of the same bytes has another one. */
  sequencer?: string;
}

export class InvalidEventError extends Error {
  override name = 'InvalidEventError';
}

// Parser's S3 schemas take only an IPv4 source address (or s3.amazonaws.com), but S3's dual-stack
// endpoints accept uploads over IPv6 and the event names that address. The field is not used
// here: any string is accepted, every other field is checked as Parser does.
export const S3Notification = S3Schema.extend({
  Records: z.array(
    S3Schema.shape.Records.element.extend({ requestParameters: z.object({ sourceIPAddress: z.string() }) }),
  ),
});
export const S3EventBridge = S3EventNotificationEventBridgeSchema.extend({
  detail: S3EventNotificationEventBridgeSchema.shape.detail.extend({ 'source-ip-address': z.string().optional() }),
});

const issues = (error: z.ZodError) =>
  error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ');

const looksLike = (event: unknown, field: string): event is Record<string, unknown> =>
  typeof event === 'object' && event !== null && field in event;

/**
 * The uploads in an S3 notification (keys URL-decoded) or an EventBridge "Object Created" event,
 * each checked whole against Powertools Parser's schemas: an event with the shape of one but not
 * its fields is refused with what is missing.
 */
export function uploadsIn(event: unknown): { uploads: Upload[]; ignored: string[] } {
  if (looksLike(event, 'Records')) {
    const s3 = S3Notification.safeParse(event);
    if (!s3.success) throw new InvalidEventError(`not a valid S3 event notification: ${issues(s3.error)}`);
    const out = { uploads: [] as Upload[], ignored: [] as string[] };
    for (const r of s3.data.Records) {
      const key = decodeURIComponent(r.s3.object.key.replace(/\+/g, ' '));
      if (!r.eventName.startsWith('ObjectCreated:') || key.endsWith('/')) out.ignored.push(`${r.eventName} ${key}`);
      else {
        const { eTag, size, sequencer } = r.s3.object;
        out.uploads.push({
          bucket: r.s3.bucket.name,
          key,
          etag: eTag ?? '',
          size,
          ...(sequencer ? { sequencer } : {}),
        });
      }
    }
    return out;
  }
  if (looksLike(event, 'detail-type')) {
    const eb = S3EventBridge.safeParse(event);
    if (!eb.success) throw new InvalidEventError(`not a valid S3 EventBridge event: ${issues(eb.error)}`);
    if (eb.data.source !== 'aws.s3' || eb.data['detail-type'] !== 'Object Created') {
      throw new InvalidEventError(
        `expected an EventBridge "Object Created" event from aws.s3, got "${eb.data['detail-type']}" from ${eb.data.source}`,
      );
    }
    const { bucket, object } = eb.data.detail;
    const { key, etag, size, sequencer } = object;
    return {
      uploads: [{ bucket: bucket.name, key, etag: etag ?? '', size, ...(sequencer ? { sequencer } : {}) }],
      ignored: [],
    };
  }
  throw new InvalidEventError('expected an S3 notification or an EventBridge "Object Created" event');
}

/**
 * The execution's name for an upload: readable, and the same for every delivery of the same
 * upload (bucket, key, ETag and the event's sequencer), so Step Functions refuses a second
 * execution for it. The sequencer is what tells a new PUT of the same bytes (same ETag) from a
 * re-delivery; without one the name is that of bucket, key and ETag. Names allow up to 80 of
 * `A-Za-z0-9-_`.
 */
export function executionName(upload: Pick<Upload, 'bucket' | 'key' | 'etag' | 'sequencer'>): string {
  const identity = `${upload.bucket}\n${upload.key}\n${upload.etag.replace(/^"|"$/g, '')}`;
  const hash = createHash('sha256')
    .update(upload.sequencer ? `${identity}\n${upload.sequencer}` : identity)
    .digest('hex')
    .slice(0, 32);
  const file = upload.key.slice(upload.key.lastIndexOf('/') + 1);
  const readable = file
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return readable ? `${readable}-${hash}` : hash;
}
