// SPDX-License-Identifier: MIT-0
import { createHash } from 'node:crypto';
import { z } from 'zod';

export interface Upload {
  bucket: string;
  key: string;
  etag: string;
  size: number | undefined;
  /** The PUT's place among the events of its key: a new upload of the same bytes has another one. */
  sequencer?: string;
}

const S3Notification = z.object({
  Records: z.array(
    z.object({
      eventName: z.string(),
      s3: z.object({
        bucket: z.object({ name: z.string().min(1) }),
        object: z.object({
          key: z.string().min(1),
          eTag: z.string().default(''),
          size: z.number().optional(),
          sequencer: z.string().min(1).optional(),
        }),
      }),
    }),
  ),
});

const EventBridgeObjectCreated = z.object({
  source: z.literal('aws.s3'),
  'detail-type': z.literal('Object Created'),
  detail: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({
      key: z.string().min(1),
      etag: z.string().default(''),
      size: z.number().optional(),
      sequencer: z.string().min(1).optional(),
    }),
  }),
});

export class InvalidEventError extends Error {
  override name = 'InvalidEventError';
}

/** The uploads in an S3 notification (keys URL-decoded) or an EventBridge "Object Created" event. */
export function uploadsIn(event: unknown): { uploads: Upload[]; ignored: string[] } {
  const s3 = S3Notification.safeParse(event);
  if (s3.success) {
    const out = { uploads: [] as Upload[], ignored: [] as string[] };
    for (const r of s3.data.Records) {
      const key = decodeURIComponent(r.s3.object.key.replace(/\+/g, ' '));
      if (!r.eventName.startsWith('ObjectCreated:') || key.endsWith('/')) out.ignored.push(`${r.eventName} ${key}`);
      else {
        const { eTag, size, sequencer } = r.s3.object;
        out.uploads.push({ bucket: r.s3.bucket.name, key, etag: eTag, size, ...(sequencer ? { sequencer } : {}) });
      }
    }
    return out;
  }
  const eb = EventBridgeObjectCreated.safeParse(event);
  if (eb.success) {
    const { bucket, object } = eb.data.detail;
    const { key, etag, size, sequencer } = object;
    return { uploads: [{ bucket: bucket.name, key, etag, size, ...(sequencer ? { sequencer } : {}) }], ignored: [] };
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
