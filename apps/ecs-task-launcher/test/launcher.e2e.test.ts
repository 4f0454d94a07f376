import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import {
  GetFunctionConfigurationCommand,
  LambdaClient,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { deployLocal, destroyLocal } from '@samples/cdk';
import type { Service } from '@samples/emulator';
import { invoke } from '@samples/emulator/deploy';
import { describeWith, emulator, uniqueName } from '@samples/emulator/testing';
import { listKeys, waitFor, waitForTaskStopped } from '@samples/emulator/waiters';
import { makeClip } from '@samples/test-support/clips';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LaunchResult } from '../src/launch.ts';
import { launchToken } from '../src/request.ts';
import { s3Notification } from './events.ts';

const PACKAGE_DIR = new URL('..', import.meta.url).pathname;

// The launcher's own CDK stack deployed into the emulator with the CDK CLI: buckets, the
// transcoder's isolated VPC, cluster, task definition and task role, the table of started
// uploads, the function with its role, and the upload trigger (CDK's bucket-notification
// custom resource). Every call below goes through those resources and the shipped roles.
const needs: Service[] = [
  'cloudformation',
  'cloudformation-custom-resources',
  'lambda',
  'ecs',
  's3',
  'dynamodb',
  'iam',
];
describeWith(needs, 'ecs-task-launcher: an upload starts the transcoder as an ECS task', () => {
  let opts: Parameters<typeof deployLocal>[0];
  let outputs: Record<string, string>;
  /** The deployed function. */
  let name: string;
  let stack: { inputBucket: string; outputBucket: string; launchTable: string; cluster: string };
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
      const res = await ecs.send(new ListTasksCommand({ cluster: stack.cluster, desiredStatus }));
      arns.push(...(res.taskArns ?? []));
    }
    return arns.sort();
  };

  /**
   * Uploads under uploads/ start a task through the notification (its record carries the
   * sequencer): waits for that task to be recorded and to stop, so that a direct call after it
   * counts only the tasks it starts itself.
   */
  const uploadAndWaitForItsTask = async (key: string, body: Uint8Array | string) => {
    const put = await s3.send(new PutObjectCommand({ Bucket: stack.inputBucket, Key: key, Body: body }));
    const etag = (put.ETag ?? '').replaceAll('"', '');
    const record = await waitFor(`the task the upload of ${key} starts`, async () =>
      (await recordsOfKey(key)).find((r) => r.sequencer && r.etag === etag && (r.taskArns as string[])?.length),
    );
    const [taskArn] = record.taskArns as string[];
    await waitForTaskStopped(ecs, stack.cluster, taskArn as string);
    return { etag, taskArn: taskArn as string };
  };

  beforeAll(async () => {
    const info = emulator();
    ecs = new ECSClient({});
    s3 = new S3Client({});
    ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));
    const stackName = `EcsTaskLauncher-${uniqueName('e2e').replaceAll('-', '')}`.slice(0, 60);
    // ministack's CloudFormation has no AWS::EC2::FlowLog: the stack's flowLogs option is off here.
    console.info(
      `[emulator] ${info.description}: ecs-task-launcher stack deployed with -c flowLogs=false (no AWS::EC2::FlowLog)`,
    );
    opts = { cwd: PACKAGE_DIR, env: { ...process.env, ...info.env }, stackName, context: { flowLogs: 'false' } };
    outputs = await deployLocal(opts);
    name = outputs.LauncherFunctionName as string;
    stack = {
      inputBucket: outputs.UploadsBucket as string,
      outputBucket: outputs.RenditionsBucket as string,
      launchTable: outputs.LaunchTableName as string,
      cluster: outputs.Cluster as string,
    };
  });

  afterAll(async () => {
    if (outputs) await destroyLocal(opts);
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
    const task = await waitForTaskStopped(ecs, stack.cluster, taskArn);
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
    const redelivered = s3Notification([
      {
        bucket: stack.inputBucket,
        key: 'uploads/first+clip.mp4',
        eTag: etag.replaceAll('"', ''),
        size: 1,
        sequencer: first?.sequencer as string,
      },
    ]);
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
    const task = await waitForTaskStopped(ecs, stack.cluster, started[0] as string);
    expect(task.exitCode, task.why).toBe(0);
    expect(task.environment).toMatchObject({ INPUT_KEY: key, INPUT_ETAG: etag.replaceAll('"', '') });
    const records = await recordsOfKey(key);
    expect(records.map((r) => r.taskArns)).toEqual([before, started]);
    expect(new Set(records.map((r) => r.sequencer)).size).toBe(2);
  });

  it('two deliveries of one upload at the same time start exactly one task', async () => {
    // Direct calls with the ETag: their token (no sequencer) is another launch than the upload's own.
    const key = 'uploads/concurrent clip.mp4';
    const upload = await uploadAndWaitForItsTask(key, makeClip({ width: 640, height: 360 }));
    const event = { bucket: stack.inputBucket, key, etag: upload.etag };
    const before = await tasksIn();
    expect(before).toContain(upload.taskArn);
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
    const task = await waitForTaskStopped(ecs, stack.cluster, started[0] as string);
    expect(task.exitCode, task.why).toBe(0);
  });

  it('a direct { bucket, key } call reads the ETag, starts one task and returns its ARN', async () => {
    const key = 'uploads/direct clip.mp4';
    const upload = await uploadAndWaitForItsTask(key, makeClip({ width: 640, height: 360 }));
    const before = await tasksIn();
    const first = await invoke<LaunchResult>(name, { bucket: stack.inputBucket, key });
    expect(first.functionError, first.log).toBeUndefined();
    const launch = first.payload.launched[0];
    expect(launch?.started).toBe(true);
    expect(launch?.taskArns[0]).toMatch(/^arn:aws:ecs:[^:]+:\d+:task\//);
    expect(launch?.taskArns).not.toContain(upload.taskArn);
    const again = await invoke<LaunchResult>(name, { bucket: stack.inputBucket, key });
    expect(again.functionError, again.log).toBeUndefined();
    expect(again.payload.launched[0]).toMatchObject({ started: false, taskArns: launch?.taskArns });
    expect((await tasksIn()).filter((t) => !before.includes(t))).toEqual(launch?.taskArns);
    expect(await recordOf(key, upload.etag)).toMatchObject({ key, taskArns: launch?.taskArns });
    const task = await waitForTaskStopped(ecs, stack.cluster, launch?.taskArns[0] as string);
    expect(task.exitCode, task.why).toBe(0);
    expect(task.environment).toMatchObject({ INPUT_KEY: key, INPUT_ETAG: upload.etag });
  });

  it('fails with a descriptive error when RunTask fails', async () => {
    const key = 'uploads/other.mp4';
    // Its own task (started by the notification, before the function is changed) fails on 'x'.
    await uploadAndWaitForItsTask(key, 'x');
    const lambda = new LambdaClient({});
    const { Environment } = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    const configure = async (Variables: Record<string, string>) => {
      await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Environment: { Variables } }));
      await waitFor('the function configuration to be updated', async () => {
        const c = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
        return c.LastUpdateStatus === 'Successful' ? c : undefined;
      });
    };
    const shipped = Environment?.Variables ?? {};
    await configure({ ...shipped, TASK_DEFINITION: 'no-such-task-definition' });
    try {
      const before = await tasksIn();
      const res = await invoke<{ errorType: string; errorMessage: string }>(name, { bucket: stack.inputBucket, key });
      expect(res.functionError).toBe('Unhandled');
      // errorType is the error's name on AWS; ministack 1.5.33 reports Runtime.HandlerError for every throw.
      expect(res.payload.errorMessage).toMatch(
        new RegExp(`^RunTask for s3://${stack.inputBucket}/uploads/other\\.mp4 failed: \\w+: .+`),
      );
      if (emulator().services.includes('iam-enforcement')) {
        // On AWS too: the grant names the shipped task definition, so IAM denies before ECS looks it up.
        expect(res.payload.errorMessage).toMatch(/failed: AccessDeniedException: .*ecs:RunTask/);
      }
      expect(await tasksIn()).toEqual(before);
    } finally {
      await configure(shipped);
    }
  });

  it('fails with a descriptive error for an object that does not exist, and starts nothing', async () => {
    const before = await tasksIn();
    const res = await invoke<{ errorType: string; errorMessage: string }>(name, {
      bucket: stack.inputBucket,
      key: 'uploads/missing.mp4',
    });
    expect(res.functionError).toBe('Unhandled');
    expect(res.payload.errorMessage).toBe(
      `s3://${stack.inputBucket}/uploads/missing.mp4 does not exist: no task started`,
    );
    expect(await tasksIn()).toEqual(before);
  });
});
