// SPDX-License-Identifier: MIT-0
import { createHash } from 'node:crypto';
import { S3EventNotificationEventBridgeSchema, S3Schema } from '@aws-lambda-powertools/parser/schemas/s3';
import type { RunTaskCommandInput } from '@aws-sdk/client-ecs';
import { z } from 'zod';
import type { Config } from './config.ts';

/** One object to transcode. `etag` is absent only for a direct call that did not name it. */
export interface SourceObject {
  bucket: string;
  key: string;
  etag?: string;
  size?: number;
  /** The S3 event's place among the events of its key; absent for a direct call. */
  sequencer?: string;
}

export class InvalidEventError extends Error {
  override name = 'InvalidEventError';
}

const Direct = z.object({
  bucket: z.string().min(3),
  key: z.string().min(1).max(1024),
  etag: z.string().min(1).optional(),
});

export interface ParsedEvent {
  objects: SourceObject[];
  /** Records that are not object creations (deletes, restores...), left alone. */
  ignored: { eventName: string; key: string }[];
}

/** S3 notification keys are URL-encoded with `+` for spaces. */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

const issues = (error: z.ZodError) =>
  error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ');

// Parser's S3 schemas take only an IPv4 source address (or s3.amazonaws.com), but S3's dual-stack
// endpoints accept uploads over IPv6 and the event names that address. The field is not used
// here: any string is accepted, every other field is checked as Parser does.
const S3Notification = S3Schema.extend({
  Records: z.array(
    S3Schema.shape.Records.element.extend({ requestParameters: z.object({ sourceIPAddress: z.string() }) }),
  ),
});
const S3EventBridge = S3EventNotificationEventBridgeSchema.extend({
  detail: S3EventNotificationEventBridgeSchema.shape.detail.extend({ 'source-ip-address': z.string().optional() }),
});

const looksLike = (event: unknown, field: string): event is Record<string, unknown> =>
  typeof event === 'object' && event !== null && field in event;

/**
 * An S3 notification, an EventBridge S3 event, or a direct `{ bucket, key, etag? }` call. The
 * AWS events are checked whole against Powertools Parser's schemas, which hold every field AWS
 * sends; an event that has the shape of one but not its fields is refused with what is missing.
 */
export function parseEvent(event: unknown): ParsedEvent {
  if (looksLike(event, 'Records')) {
    const s3 = S3Notification.safeParse(event);
    if (!s3.success) throw new InvalidEventError(`not a valid S3 event notification: ${issues(s3.error)}`);
    const parsed: ParsedEvent = { objects: [], ignored: [] };
    for (const r of s3.data.Records) {
      const key = decodeS3Key(r.s3.object.key);
      if (!r.eventName.startsWith('ObjectCreated:')) {
        parsed.ignored.push({ eventName: r.eventName, key });
        continue;
      }
      const { eTag, size, sequencer } = r.s3.object;
      parsed.objects.push({
        bucket: r.s3.bucket.name,
        key,
        ...(eTag !== undefined ? { etag: eTag } : {}),
        ...(size !== undefined ? { size } : {}),
        ...(sequencer ? { sequencer } : {}),
      });
    }
    return parsed;
  }
  if (looksLike(event, 'detail-type')) {
    const eb = S3EventBridge.safeParse(event);
    if (!eb.success) throw new InvalidEventError(`not a valid S3 EventBridge event: ${issues(eb.error)}`);
    if (eb.data.source !== 'aws.s3' || eb.data['detail-type'] !== 'Object Created') {
      throw new InvalidEventError(
        `expected an EventBridge "Object Created" event from aws.s3, got "${eb.data['detail-type']}" from ${eb.data.source}`,
      );
    }
    const { key, etag, size, sequencer } = eb.data.detail.object;
    const bucket = eb.data.detail.bucket.name;
    return {
      objects: [
        {
          bucket,
          key,
          ...(etag !== undefined ? { etag } : {}),
          ...(size !== undefined ? { size } : {}),
          ...(sequencer ? { sequencer } : {}),
        },
      ],
      ignored: [],
    };
  }
  const direct = Direct.safeParse(event);
  if (direct.success) return { objects: [direct.data], ignored: [] };
  throw new InvalidEventError(
    `expected an S3 notification, an EventBridge "Object Created" event or { bucket, key }: ${issues(direct.error)}`,
  );
}

/** Why an object is not worth a task, or undefined. */
export function skipReason(object: SourceObject): string | undefined {
  if (object.key.endsWith('/')) return 'a folder marker, not a file';
  if (object.size === 0) return 'an empty object';
  return undefined;
}

/**
 * 64 hex characters (RunTask's `clientToken` limit) from the upload's identity: bucket, key,
 * ETag and the S3 event's sequencer. A re-delivered event of the same upload gives the same
 * token; a new upload under the same key gives a new one, even of the same bytes (same ETag,
 * another sequencer). A direct call has no sequencer: its token is that of bucket, key and
 * ETag, so direct calls for one version of an object start one task.
 */
export function launchToken(
  object: Required<Pick<SourceObject, 'bucket' | 'key' | 'etag'>> & Pick<SourceObject, 'sequencer'>,
): string {
  const identity = `${object.bucket}\n${object.key}\n${bareEtag(object.etag)}`;
  return createHash('sha256')
    .update(object.sequencer ? `${identity}\n${object.sequencer}` : identity)
    .digest('hex');
}

/** The ETag without surrounding double quotes, as S3 event records carry it (HeadObject quotes it). */
export function bareEtag(etag: string): string {
  return etag.replace(/^"|"$/g, '');
}

/**
 * RunTask's client token for an attempt at launching the upload: the upload's token for the
 * first, a new 64-hex token derived from it for each later one. ECS answers a retry with the
 * same token with the original result, failures included, so an attempt after a RunTask that
 * started nothing needs a token of its own.
 */
export function clientTokenFor(token: string, attempt: number): string {
  return attempt === 1 ? token : createHash('sha256').update(`${token}\nattempt ${attempt}`).digest('hex');
}

/**
 * The RunTask request: the task definition's container, its environment overridden for this
 * object. `token` is the upload's (the task's `startedBy`, the same for every attempt, so that
 * all tasks of one upload can be listed); `clientToken` the attempt's (`clientTokenFor`).
 */
export function runTaskInput(
  config: Config,
  object: SourceObject,
  token: string,
  clientToken = token,
): RunTaskCommandInput {
  const environment = [
    { name: 'INPUT_BUCKET', value: object.bucket },
    { name: 'INPUT_KEY', value: object.key },
    // The task then reads only this upload: if the key was overwritten since, it exits 2 and writes nothing.
    ...(object.etag ? [{ name: 'INPUT_ETAG', value: bareEtag(object.etag) }] : []),
    ...(['OUTPUT_BUCKET', 'OUTPUT_PREFIX', 'RENDITIONS'] as const)
      .filter((name) => config[name] !== undefined)
      .map((name) => ({ name, value: config[name] as string })),
  ];
  return {
    cluster: config.CLUSTER,
    taskDefinition: config.TASK_DEFINITION,
    count: 1,
    ...(config.CAPACITY_PROVIDER === 'FARGATE'
      ? { launchType: 'FARGATE' as const }
      : { capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] }),
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets: config.SUBNETS,
        securityGroups: config.SECURITY_GROUPS.length ? config.SECURITY_GROUPS : undefined,
        assignPublicIp: config.ASSIGN_PUBLIC_IP,
      },
    },
    overrides: { containerOverrides: [{ name: config.CONTAINER_NAME, environment }] },
    clientToken,
    // For operators: `aws ecs list-tasks --started-by <token>` finds the upload's running task.
    startedBy: token,
  };
}
