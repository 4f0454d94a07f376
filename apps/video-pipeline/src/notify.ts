// SPDX-License-Identifier: MIT-0
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
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
  topicArn: string;
  outputBucket: string;
  outputPrefix: string;
  logger?: Logger;
  metrics?: Metrics;
}

/**
 * NotifyComplete / NotifyRejected / NotifyFailure: one notice on the topic per outcome. A
 * completion is announced only once the transcoder's manifest is there, and carries its
 * renditions, and only if the manifest describes this upload's ETag. Notices are at least once:
 * subscribers deduplicate on `executionArn`.
 */
export function createNotifier(deps: NotifyDeps) {
  const logger = deps.logger ?? new Logger({ serviceName: 'video-pipeline' });
  // CloudWatch metrics as embedded-metric-format log lines: no PutMetricData call, no IAM.
  const metrics = deps.metrics ?? new Metrics({ namespace: 'VideoPipeline', serviceName: 'video-pipeline' });
  return async (event: unknown, context?: Context): Promise<{ messageId: string; eventType: string }> => {
    if (context) logger.addContext(context);
    metrics.captureColdStartMetric();
    const input = NotifyInput.parse(event);
    let done: Parameters<typeof buildNotice>[1];
    if (input.status === 'SUCCEEDED') {
      const location = { bucket: deps.outputBucket, key: manifestKey(deps.outputPrefix, input.key) };
      let text: string;
      try {
        const res = await deps.s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
        if (!res.Body) throw new Error(`GetObject of s3://${location.bucket}/${location.key} returned no body`);
        text = await res.Body.transformToString();
      } catch (err) {
        if (!(await objectMissing(deps.s3, location, err))) throw err;
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
    const res = await deps.sns.send(
      new PublishCommand({
        TopicArn: deps.topicArn,
        Message: JSON.stringify(notice),
        MessageAttributes: noticeAttributes(notice),
      }),
    );
    logger.info('notice published', { eventType: notice.eventType, source: notice.source, messageId: res.MessageId });
    // By event type (three values): completions, rejections and failures each have their own count.
    const published = metrics.singleMetric();
    published.addDimension('eventType', notice.eventType);
    published.addMetric('NoticesPublished', MetricUnit.Count, 1);
    return { messageId: res.MessageId ?? '', eventType: notice.eventType };
  };
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is required`);
  return value;
}

let notify: ReturnType<typeof createNotifier> | undefined;

/** Lambda entry point; clients read AWS_REGION / AWS_ENDPOINT_URL from the environment. */
export const handler = (event: unknown, context: Context) => {
  notify ??= createNotifier({
    s3: new S3Client({}),
    sns: new SNSClient({}),
    topicArn: requireEnv('TOPIC_ARN'),
    outputBucket: requireEnv('OUTPUT_BUCKET'),
    outputPrefix: process.env.OUTPUT_PREFIX || 'processed',
  });
  return notify(event, context);
};
