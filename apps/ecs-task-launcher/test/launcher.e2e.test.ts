import { ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { deleteFunction, invoke } from '@samples/emulator/deploy';
import { describeWith, emulator, uniqueName } from '@samples/emulator/testing';
import { listKeys, waitFor } from '@samples/emulator/waiters';
import { makeClip } from '@samples/transcoder/clips';
import { waitForTaskStopped } from '@samples/transcoder/ecs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LaunchResult } from '../src/handler.ts';
import { deployLauncher, deployLauncherFunction, type LauncherStack } from './stack.ts';

describeWith(['lambda', 'ecs', 's3'], 'ecs-task-launcher: an upload starts the transcoder as an ECS task', () => {
  const name = uniqueName('launcher');
  let stack: LauncherStack;
  let ecs: ECSClient;
  let s3: S3Client;
  let etag: string;

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
    stack = await deployLauncher({ name, inputBucket: `${name}-in`, outputBucket: `${name}-out` });
  });

  afterAll(async () => {
    await deleteFunction(name);
  });

  it('runs the task with the object in its overrides, and the renditions land in S3', async () => {
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: stack.inputBucket,
        Key: 'uploads/first clip.mp4',
        Body: makeClip({ width: 854, height: 480 }),
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
    expect(await listKeys(s3, stack.outputBucket, 'processed/')).toEqual([
      'processed/480p/uploads/first clip.mp4',
      'processed/manifest/uploads/first clip.json',
    ]);
  });

  it('starts no second task when the same upload is delivered again', async () => {
    const redelivered = {
      Records: [
        {
          eventSource: 'aws:s3',
          eventName: 'ObjectCreated:Put',
          s3: {
            bucket: { name: stack.inputBucket },
            object: { key: 'uploads/first+clip.mp4', eTag: etag.replaceAll('"', ''), size: 1 },
          },
        },
      ],
    };
    const res = await invoke<LaunchResult>(name, redelivered);
    expect(res.functionError, res.log).toBeUndefined();
    expect(res.payload.launched).toHaveLength(1);
    expect(res.payload.launched[0]).toMatchObject({ key: 'uploads/first clip.mp4', started: false });
    expect(await tasksIn()).toEqual(res.payload.launched[0]?.taskArns);
    const info = emulator();
    if (info.backend === 'ministack') {
      console.info(
        `[emulator] ${info.description}: RunTask ignores clientToken; the launcher's lookup of tasks startedBy the upload's token is what kept this to one task`,
      );
    }
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
