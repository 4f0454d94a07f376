import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { describeWith, emulator, uniqueName } from '@samples/emulator/testing';
import { captureStderr, lambdaContext, lambdaRuntimeEnv } from '@samples/test-support/lambda';
import { captureLogs } from '@samples/test-support/logs';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { sampleEvent } from './events.ts';

// The three handler modules themselves, in this process: the Middy chain (Tracer, Logger context,
// metrics flush) around the work, with the clients each makes at module scope pointed at the
// emulator, fed the sample events of events/ aimed at this test's bucket. What an operator
// watches arrives as CloudWatch metrics, in the embedded metric format lines they print.
type Handler = (event: unknown, context: Context) => Promise<unknown>;
const bucket = uniqueName('pipeline-handlers');
const emf = (logs: Record<string, unknown>[], metric: string) => logs.find((l) => l[metric] !== undefined);

describeWith(['s3', 'sns', 'stepfunctions', 'iam'], 'video-pipeline: the handlers as Lambda runs them', () => {
  let trigger: Handler;
  let validate: Handler;
  let notify: Handler;

  beforeAll(async () => {
    emulator();
    const s3 = new S3Client({});
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'uploads/notes.txt', Body: 'not a video' }));
    const topic = await new SNSClient({}).send(new CreateTopicCommand({ Name: uniqueName('notices') }));
    // The trigger only starts executions: a one-state machine is enough to see it do so once per upload.
    const role = await new IAMClient({}).send(
      new CreateRoleCommand({
        RoleName: uniqueName('pipeline-role'),
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'states.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        }),
      }),
    );
    const machine = await new SFNClient({}).send(
      new CreateStateMachineCommand({
        name: uniqueName('pipeline'),
        roleArn: role.Role?.Arn,
        definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } }),
      }),
    );
    const env = {
      STATE_MACHINE_ARN: machine.stateMachineArn ?? '',
      TOPIC_ARN: topic.TopicArn ?? '',
      OUTPUT_BUCKET: bucket,
      ...lambdaRuntimeEnv(new URL('..', import.meta.url).pathname),
    };
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    // The events are the test's to shape: typed as what Lambda passes, unknown JSON.
    trigger = (await import('../src/trigger.ts')).handler as unknown as Handler;
    validate = (await import('../src/validate.ts')).handler as unknown as Handler;
    notify = (await import('../src/notify.ts')).handler as unknown as Handler;
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });

  it('trigger: starts one execution for the sample upload, and none for its re-delivery', async () => {
    const event = sampleEvent('s3-object-created') as { Records: { s3: { bucket: { name: string } } }[] };
    for (const r of event.Records) r.s3.bucket.name = bucket;
    const stderr = captureStderr();
    let first: unknown;
    const firstLogs = await captureLogs(async () => {
      first = await trigger(event, lambdaContext('video-pipeline-trigger', 'req-trigger-1'));
    });
    let again: unknown;
    const againLogs = await captureLogs(async () => {
      again = await trigger(event, lambdaContext('video-pipeline-trigger', 'req-trigger-2'));
    });
    expect(first).toMatchObject({ executions: [{ bucket, key: 'uploads/my clip.mp4', started: true }] });
    expect(again).toMatchObject({ executions: [{ bucket, key: 'uploads/my clip.mp4', started: false }] });
    expect(firstLogs.find((l) => l.message === 'execution started')).toMatchObject({
      service: 'video-pipeline',
      function_request_id: 'req-trigger-1',
      key: 'uploads/my clip.mp4',
      etag: 'b21b84d653bb07b05b1e6b33684dc11b',
    });
    expect(emf(firstLogs, 'ExecutionsStarted')).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'VideoPipeline', Dimensions: [['service']] }] },
      ExecutionsStarted: 1,
    });
    expect(emf(firstLogs, 'ColdStart')).toMatchObject({ ColdStart: 1, function_name: 'video-pipeline-trigger' });
    expect(emf(againLogs, 'UploadsAlreadyStarted')).toMatchObject({ UploadsAlreadyStarted: 1 });
    expect(emf(againLogs, 'ExecutionsStarted')).toBeUndefined();
    // Tracer runs (Lambda's environment) with no daemon to send to: nothing is printed about it.
    expect(stderr.stop()).toEqual([]);
  });

  it('trigger: refuses an event that is neither an S3 notification nor an S3 EventBridge event', async () => {
    await expect(trigger({ bucket, key: 'uploads/a.mp4' }, lambdaContext('video-pipeline-trigger'))).rejects.toThrow(
      'expected an S3 notification or an EventBridge "Object Created" event',
    );
  });

  it('validate: answers the sample input, aimed at a text file, with its rejection, counted', async () => {
    const input = { ...sampleEvent('validate'), bucket, key: 'uploads/notes.txt', etag: null };
    let result: unknown;
    const logs = await captureLogs(async () => {
      result = await validate(input, lambdaContext('video-pipeline-validate'));
    });
    expect(result).toMatchObject({ valid: false, reason: expect.stringMatching(/is not a video|container/) });
    expect(logs.find((l) => l.message === 'video rejected')).toMatchObject({
      level: 'ERROR',
      function_name: 'video-pipeline-validate',
      key: 'uploads/notes.txt',
    });
    expect(emf(logs, 'VideosRejected')).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'VideoPipeline', Dimensions: [['service']] }] },
      service: 'video-pipeline',
      VideosRejected: 1,
    });
    expect(emf(logs, 'VideosAccepted')).toBeUndefined();
  });

  it('notify: publishes the sample rejection notice, counted by its event type', async () => {
    let result: unknown;
    const logs = await captureLogs(async () => {
      result = await notify(sampleEvent('notify-rejected'), lambdaContext('video-pipeline-notify'));
    });
    expect(result).toMatchObject({ eventType: 'VideoRejected', messageId: expect.any(String) });
    expect(emf(logs, 'NoticesPublished')).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'VideoPipeline', Dimensions: [['service', 'eventType']] }] },
      eventType: 'VideoRejected',
      NoticesPublished: 1,
    });
  });

  it('notify: a completion whose manifest is not there is an error for the state machine, not a notice', async () => {
    await expect(notify(sampleEvent('notify-succeeded'), lambdaContext('video-pipeline-notify'))).rejects.toMatchObject(
      {
        name: 'TranscodeIncompleteError',
        message: expect.stringContaining(`s3://${bucket}/processed/manifest/uploads/my clip.mp4`),
      },
    );
  });
});
