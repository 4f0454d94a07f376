// SPDX-License-Identifier: MIT-0
import type { MessageAttributeValue } from '@aws-sdk/client-sns';
import { z } from 'zod';

/** What the state machine passes to the Notify function, one shape per outcome. */
export const NotifyInput = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('SUCCEEDED'),
    bucket: z.string(),
    key: z.string(),
    /** The upload's ETag, as ValidateVideo pinned it: only the manifest of that version is announced. */
    etag: z.string().min(1),
    executionArn: z.string(),
  }),
  z.object({
    status: z.literal('REJECTED'),
    bucket: z.string(),
    key: z.string(),
    reason: z.string(),
    executionArn: z.string(),
  }),
  z.object({
    status: z.literal('FAILED'),
    bucket: z.string(),
    key: z.string(),
    error: z.object({ Error: z.string(), Cause: z.string().optional() }),
    executionArn: z.string(),
  }),
]);
export type NotifyInput = z.infer<typeof NotifyInput>;

/** The part of the transcoder's manifest a notice reads: the source version it describes, the renditions. */
export const Manifest = z.object({
  version: z.number().optional(),
  source: z.object({ etag: z.string().optional() }).optional(),
  renditions: z.array(
    z.object({
      name: z.string(),
      bucket: z.string(),
      key: z.string(),
      width: z.number(),
      height: z.number(),
      bytes: z.number(),
      durationSeconds: z.number(),
    }),
  ),
});
export type Manifest = z.infer<typeof Manifest>;

export type EventType = 'VideoTranscoded' | 'VideoRejected' | 'VideoPipelineFailed';

export interface Notice {
  eventType: EventType;
  source: { bucket: string; key: string };
  executionArn: string;
  manifest?: { bucket: string; key: string };
  renditions?: Manifest['renditions'];
  reason?: string;
  error?: { error: string; cause?: string };
}

/**
 * Where the transcoder writes its manifest for a source key (written last: it proves completion):
 * the whole key, so `clip.mov` and `clip.mp4` never share one.
 */
export function manifestKey(prefix: string, sourceKey: string): string {
  return `${prefix.replace(/^\/+|\/+$/g, '')}/manifest/${sourceKey}.json`;
}

/** An ETag as S3 event records carry it: without the surrounding double quotes of HTTP answers. */
export const unquoted = (etag: string) => etag.replace(/^"(.*)"$/, '$1');

/**
 * Why a manifest is not the one of this upload, or undefined when it is. The manifest's key is the
 * same for every version of an object, so a manifest found there may be a previous version's.
 */
export function manifestMismatch(manifest: Manifest, etag: string): string | undefined {
  const found = manifest.source?.etag;
  if (!found) return 'it names no source ETag (written by a transcoder older than manifest version 2)';
  if (unquoted(found) !== unquoted(etag)) {
    return `it describes the source version with ETag ${unquoted(found)}, not this upload's ${unquoted(etag)}`;
  }
  return undefined;
}

const CAUSE_LIMIT = 4000;

export function buildNotice(
  input: NotifyInput,
  done?: { manifest: Manifest; manifestLocation: { bucket: string; key: string } },
): Notice {
  const base = { source: { bucket: input.bucket, key: input.key }, executionArn: input.executionArn };
  switch (input.status) {
    case 'SUCCEEDED':
      if (!done) throw new Error('a completion notice needs the manifest');
      return {
        eventType: 'VideoTranscoded',
        ...base,
        manifest: done.manifestLocation,
        renditions: done.manifest.renditions,
      };
    case 'REJECTED':
      return { eventType: 'VideoRejected', ...base, reason: input.reason };
    case 'FAILED':
      return {
        eventType: 'VideoPipelineFailed',
        ...base,
        error: { error: input.error.Error, cause: input.error.Cause?.slice(0, CAUSE_LIMIT) },
      };
  }
}

/** Attributes subscribers filter on (an SNS filter policy on `eventType`). */
export function noticeAttributes(notice: Notice): Record<string, MessageAttributeValue> {
  return { eventType: { DataType: 'String', StringValue: notice.eventType } };
}
