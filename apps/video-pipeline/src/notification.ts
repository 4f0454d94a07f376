// SPDX-License-Identifier: MIT-0
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { objectMissing } from './missing.ts';
import { buildNotice, Manifest, manifestKey, manifestMismatch, NotifyInput, noticeAttributes } from './notice.ts';

/** The task ended without its manifest: it did not finish. */
export class TranscodeIncompleteError extends Error {
  override name = 'TranscodeIncompleteError';
}

/** The manifest found describes another version of the object (an earlier upload under the same key). */
export class ManifestMismatchError extends Error {
  override name = 'ManifestMismatchError';
}

export interface NotifyDeps {
  s3: S3Client;
  sns: SNSClient;
  config: { topicArn: string; outputBucket: string; outputPrefix: string };
  logger: Logger;
  metrics: Metrics;
}

/**
 * NotifyComplete / NotifyRejected / NotifyFailure: one notice on the topic per outcome. A
 * completion is announced only once the transcoder's manifest is there, and carries its
 * renditions, and only if the manifest describes this upload's ETag. Notices are at least once:
 * subscribers deduplicate on `executionArn`.
 */
export async function publishNotice(
  event: unknown,
  { s3, sns, config, logger, metrics }: NotifyDeps,
): Promise<{ messageId: string; eventType: string }> {
  const input = NotifyInput.parse(event);
  let done: Parameters<typeof buildNotice>[1];
  if (input.status === 'SUCCEEDED') {
    const location = { bucket: config.outputBucket, key: manifestKey(config.outputPrefix, input.key) };
    let text: string;
    try {
      const res = await s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
      if (!res.Body) throw new Error(`GetObject of s3://${location.bucket}/${location.key} returned no body`);
      text = await res.Body.transformToString();
    } catch (err) {
      if (!(await objectMissing(s3, location, err))) throw err;
      throw new TranscodeIncompleteError(
        `the transcode task ended but s3://${location.bucket}/${location.key} is missing: the task did not finish (see its exit code and logs)`,
      );
    }
    const manifest = Manifest.parse(JSON.parse(text));
    const mismatch = manifestMismatch(manifest, input.etag);
    if (mismatch) {
      logger.error('manifest of another version', { ...location, etag: input.etag, mismatch });
      throw new ManifestMismatchError(
        `s3://${location.bucket}/${location.key} is not the manifest of this upload: ${mismatch}; the transcode of this version did not complete`,
      );
    }
    done = { manifest, manifestLocation: location };
  }
  const notice = buildNotice(input, done);
  const res = await sns.send(
    new PublishCommand({
      TopicArn: config.topicArn,
      Message: JSON.stringify(notice),
      MessageAttributes: noticeAttributes(notice),
    }),
  );
  logger.info('notice published', { eventType: notice.eventType, source: notice.source, messageId: res.MessageId });
  // By event type (three values): completions, rejections and failures each have their own count.
  // Dimensions added here are cleared when the metrics are flushed, after this invocation.
  metrics.addDimension('eventType', notice.eventType);
  metrics.addMetric('NoticesPublished', MetricUnit.Count, 1);
  return { messageId: res.MessageId ?? '', eventType: notice.eventType };
}
