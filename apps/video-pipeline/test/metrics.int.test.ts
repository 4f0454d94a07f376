import { Logger } from '@aws-lambda-powertools/logger';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { describeWith, emulator, uniqueName } from '@samples/emulator/testing';
import { captureLogs } from '@samples/test-support/logs';
import { beforeAll, expect, it } from 'vitest';
import { createNotifier } from '../src/notify.ts';
import { createValidator } from '../src/validate.ts';

// ValidateVideo and the notifier in this process against the emulator's S3 and SNS: what an
// operator watches arrives as CloudWatch metrics, in the embedded metric format lines they print.
const bucket = uniqueName('pipeline-metrics');
const logger = new Logger({ serviceName: 'video-pipeline', logLevel: 'SILENT' });
const emf = (logs: Record<string, unknown>[], metric: string) => logs.find((l) => l[metric] !== undefined);

describeWith(['s3', 'sns'], 'video-pipeline metrics, in process', () => {
  let s3: S3Client;
  let topicArn: string;

  beforeAll(async () => {
    emulator();
    s3 = new S3Client({});
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'uploads/notes.txt', Body: 'not a video' }));
    topicArn = (await new SNSClient({}).send(new CreateTopicCommand({ Name: uniqueName('notices') })))
      .TopicArn as string;
  });

  it('counts a rejected upload as VideosRejected', async () => {
    const validate = createValidator({ s3, maxBytes: 1024 * 1024, logger });
    const logs = await captureLogs(() => validate({ bucket, key: 'uploads/notes.txt' }));
    expect(emf(logs, 'VideosRejected')).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'VideoPipeline', Dimensions: [['service']] }] },
      service: 'video-pipeline',
      VideosRejected: 1,
    });
    expect(emf(logs, 'VideosAccepted')).toBeUndefined();
  });

  it('counts each notice published by its event type', async () => {
    const notify = createNotifier({
      s3,
      sns: new SNSClient({}),
      topicArn,
      outputBucket: bucket,
      outputPrefix: 'processed',
      logger,
    });
    const logs = await captureLogs(() =>
      notify({
        status: 'REJECTED',
        bucket,
        key: 'uploads/notes.txt',
        reason: 'not a video container',
        executionArn: 'arn:aws:states:us-east-1:000000000000:execution:pipeline:1',
      }),
    );
    const line = emf(logs, 'NoticesPublished');
    expect(line).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'VideoPipeline', Dimensions: [['service', 'eventType']] }] },
      NoticesPublished: 1,
    });
    expect(line?.eventType).toEqual(expect.any(String));
  });
});
