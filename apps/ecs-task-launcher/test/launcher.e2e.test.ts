import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { deleteFunction, invoke } from '@samples/emulator/deploy';
import { describeWith, emulator, uniqueName } from '@samples/emulator/testing';
import { listKeys, waitFor, waitForTaskStopped } from '@samples/emulator/waiters';
import { makeClip } from '@samples/transcoder/clips';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LaunchResult } from '../src/handler.ts';
import { launchToken } from '../src/request.ts';
import { deployLauncher, deployLauncherFunction, type LauncherStack } from './stack.ts';

describeWith(['lambda', 'ecs', 's3'], 'ecs-task-launcher: an upload starts the transcoder as an ECS task', () => {
  const name = uniqueName('launcher');
  let stack: LauncherStack;
  let ecs: ECSClient;
  let s3: S3Client;
  let ddb: DynamoDBDocumentClient;
  let etag: string;
  /** The first upload's bytes, uploaded again to the same key by a later test. */
  let firstBody: Uint8Array;

  /** The launcher's record of a direct call (no sequencer: the token is bucket, key, ETag's), read from its table. */
  const recordOf = async (key: string, etag: string) =>
    (
      await ddb.send(
        new GetCommand({
          TableName: stack.launchTable,
          Key: { token: launchToken({ bucket: stack.inputBucket, key, etag }) },
          ConsistentRead: true,
        }),
      )
    ).Item;

  /**
   * Every record of a key, oldest PUT first. An upload's token also hashes its event's sequencer,
   * which only the notification knows: the records are found by key and carry the sequencer.
   */
  const recordsOfKey = async (key: string) => {
    const res = await ddb.send(
      new ScanCommand({
        TableName: stack.launchTable,
        FilterExpression: '#key = :key',
        ExpressionAttributeNames: { '#key': 'key' },
        ExpressionAttributeValues: { ':key': key },
        ConsistentRead: true,
      }),
    );
    return (res.Items ?? []).sort((a, b) => (a.claimedAt as number) - (b.claimedAt as number));
  };

  /** Every task of the cluster, running or stopped. */
  const tasksIn = async () => {
    const arns: string[] = [];
    for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
      const res = await ecs.send(new ListTasksCommand({ cluster: stack.task.cluster, desiredStatus }));
      arns.push(...(res.taskArns ?? []));
    }
    return arns.sort();
  };

  beforeAll(async () => {
    emulator();
    ecs = new ECSClient({});
    s3 = new S3Client({});
    ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));
    stack = await deployLauncher({ name, inputBucket: `${name}-in`, outputBucket: `${name}-out` });
  });

  afterAll(async () => {
    await deleteFunction(name);
  });

  it('runs the task with the object in its overrides, and the renditions land in S3', async () => {
    firstBody = makeClip({ width: 854, height: 480 });
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: stack.inputBucket,
        Key: 'uploads/first clip.mp4',
        Body: firstBody,
        ContentType: 'video/mp4',
      }),
    );
    etag = put.ETag ?? '';
    // The upload's notification invokes the launcher asynchronously; the task it starts is
    // found through the cluster, then followed until it stops.
    const taskArn = await waitFor('the launcher to start a task', async () => (await tasksIn())[0]);
    const task = await waitForTaskStopped(ecs, stack.task.cluster, taskArn);
    expect(task.exitCode, task.why).toBe(0);
    expect(task.environment).toMatchObject({ INPUT_BUCKET: stack.inputBucket, INPUT_KEY: 'uploads/first clip.mp4' });
    expect(task.environment).toMatchObject({ INPUT_ETAG: etag.replaceAll('"', '') });
    // Outputs keep the whole source key (the transcoder's contract).
    expect(await listKeys(s3, stack.outputBucket, 'processed/')).toEqual([
      'processed/480p/uploads/first clip.mp4.mp4',
      'processed/manifest/uploads/first clip.mp4.json',
    ]);
  });

  it('starts no second task when the same upload is delivered again after its task stopped', async () => {
    // A re-delivery is the same notification: the same ETag and the same sequencer.
    const [first] = await recordsOfKey('uploads/first clip.mp4');
    expect(first?.sequencer).toEqual(expect.any(String));
    const redelivered = {
      Records: [
        {
          eventSource: 'aws:s3',
          eventName: 'ObjectCreated:Put',
          s3: {
            bucket: { name: stack.inputBucket },
            object: {
              key: 'uploads/first+clip.mp4',
              eTag: etag.replaceAll('"', ''),
              size: 1,
              sequencer: first?.sequencer as string,
            },
          },
        },
      ],
    };
    const res = await invoke<LaunchResult>(name, redelivered);
    expect(res.functionError, res.log).toBeUndefined();
    expect(res.payload.launched).toHaveLength(1);
    expect(res.payload.launched[0]).toMatchObject({ key: 'uploads/first clip.mp4', started: false });
    expect(await tasksIn()).toEqual(res.payload.launched[0]?.taskArns);
    expect(await recordsOfKey('uploads/first clip.mp4')).toEqual([
      expect.objectContaining({
        bucket: stack.inputBucket,
        key: 'uploads/first clip.mp4',
        etag: etag.replaceAll('"', ''),
        taskArns: res.payload.launched[0]?.taskArns,
      }),
    ]);
    const info = emulator();
    if (info.backend === 'ministack') {
      console.info(
        `[emulator] ${info.description}: RunTask ignores clientToken; the launcher's record of started uploads is what kept this to one task`,
      );
    }
  });

  it('the same bytes uploaded again to the same key start a second task (a new PUT, not a re-delivery)', async () => {
    const key = 'uploads/first clip.mp4';
    const before = await tasksIn();
    const put = await s3.send(
      new PutObjectCommand({ Bucket: stack.inputBucket, Key: key, Body: firstBody, ContentType: 'video/mp4' }),
    );
    // Same bytes, single-part, no SSE-KMS: the same ETag (the MD5 of the data).
    expect(put.ETag).toBe(etag);
    const started = await waitFor('the task of the second upload', async () => {
      const now = (await tasksIn()).filter((t) => !before.includes(t));
      return now.length > 0 ? now : undefined;
    });
    expect(started).toHaveLength(1);
    const task = await waitForTaskStopped(ecs, stack.task.cluster, started[0] as string);
    expect(task.exitCode, task.why).toBe(0);
    expect(task.environment).toMatchObject({ INPUT_KEY: key, INPUT_ETAG: etag.replaceAll('"', '') });
    const records = await recordsOfKey(key);
    expect(records.map((r) => r.taskArns)).toEqual([before, started]);
    expect(new Set(records.map((r) => r.sequencer)).size).toBe(2);
  });

  it('two deliveries of one upload at the same time start exactly one task', async () => {
    const key = 'direct/concurrent clip.mp4';
    const put = await s3.send(
      new PutObjectCommand({ Bucket: stack.inputBucket, Key: key, Body: makeClip({ width: 640, height: 360 }) }),
    );
    const event = { bucket: stack.inputBucket, key, etag: (put.ETag ?? '').replaceAll('"', '') };
    const before = await tasksIn();
    const results = await Promise.all([invoke<LaunchResult>(name, event), invoke<LaunchResult>(name, event)]);
    const started = await waitFor('the task of the upload', async () => {
      const now = (await tasksIn()).filter((t) => !before.includes(t));
      return now.length > 0 ? now : undefined;
    });
    expect(started).toHaveLength(1);
    // Each delivery either started the task, found it started, or was told to retry (the
    // platform retries a failed asynchronous invocation); none started another.
    for (const r of results) {
      if (r.functionError) {
        expect((r.payload as unknown as { errorMessage: string }).errorMessage, r.log).toMatch(
          /being launched by another invocation/,
        );
      } else {
        expect(r.payload.launched[0]?.taskArns).toEqual(started);
      }
    }
    expect(results.filter((r) => !r.functionError && r.payload.launched[0]?.started)).toHaveLength(1);
    expect(await recordOf(key, event.etag)).toMatchObject({ key, attempt: 1, taskArns: started });
    const info = emulator();
    if (info.backend === 'ministack') {
      console.info(
        `[emulator] ${info.description}: RunTask ignores clientToken; the conditional write of the launcher's record kept this to one task`,
      );
    }
    const task = await waitForTaskStopped(ecs, stack.task.cluster, started[0] as string);
    expect(task.exitCode, task.why).toBe(0);
  });

  it('a direct { bucket, key } call reads the ETag, starts one task and returns its ARN', async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: stack.inputBucket,
        Key: 'direct/clip.mp4',
        Body: makeClip({ width: 640, height: 360 }),
      }),
    );
    const first = await invoke<LaunchResult>(name, { bucket: stack.inputBucket, key: 'direct/clip.mp4' });
    expect(first.functionError, first.log).toBeUndefined();
    const launch = first.payload.launched[0];
    expect(launch?.started).toBe(true);
    expect(launch?.taskArns[0]).toMatch(/^arn:aws:ecs:[^:]+:\d+:task\//);
    const again = await invoke<LaunchResult>(name, { bucket: stack.inputBucket, key: 'direct/clip.mp4' });
    expect(again.payload.launched[0]?.started).toBe(false);
    const task = await waitForTaskStopped(ecs, stack.task.cluster, launch?.taskArns[0] as string);
    expect(task.exitCode, task.why).toBe(0);
  });

  it('fails with a descriptive error when RunTask fails', async () => {
    await s3.send(new PutObjectCommand({ Bucket: stack.inputBucket, Key: 'direct/other.mp4', Body: 'x' }));
    const broken = await deployLauncherFunction({
      name: `${name}-bad`,
      stack,
      environment: { TASK_DEFINITION: 'no-such-task-definition' },
    });
    try {
      const res = await invoke<{ errorType: string; errorMessage: string }>(broken, {
        bucket: stack.inputBucket,
        key: 'direct/other.mp4',
      });
      expect(res.functionError).toBe('Unhandled');
      // errorType is the error's name on AWS; ministack 1.5.33 reports Runtime.HandlerError for every throw.
      expect(res.payload.errorMessage).toMatch(
        new RegExp(`^RunTask for s3://${stack.inputBucket}/direct/other\\.mp4 failed: \\w+: .+`),
      );
    } finally {
      await deleteFunction(broken);
    }
  });

  it('fails with a descriptive error for an object that does not exist, and starts nothing', async () => {
    const before = await tasksIn();
    const res = await invoke<{ errorType: string; errorMessage: string }>(name, {
      bucket: stack.inputBucket,
      key: 'direct/missing.mp4',
    });
    expect(res.functionError).toBe('Unhandled');
    expect(res.payload.errorMessage).toBe(
      `s3://${stack.inputBucket}/direct/missing.mp4 does not exist: no task started`,
    );
    expect(await tasksIn()).toEqual(before);
  });
});
