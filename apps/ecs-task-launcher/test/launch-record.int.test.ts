import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RunTaskCommand } from '@aws-sdk/client-ecs';
import { S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describeWith, emulator, uniqueName } from '@samples/emulator/testing';
import { captureLogs } from '@samples/test-support/logs';
import { beforeAll, beforeEach, expect, it } from 'vitest';
import { parseConfig } from '../src/config.ts';
import { type LauncherDeps, launchTasks } from '../src/launch.ts';
import { launchToken } from '../src/request.ts';
import { EcsAsDocumented } from './ecs-as-documented.ts';
import { s3Notification } from './events.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

// The record of started uploads in a real DynamoDB table (the emulator's), the launcher run
// in-process with a clock the test moves. ECS is EcsAsDocumented: RunTask's clientToken and
// ListTasks as the ECS API reference describes them, which the emulator does not reproduce
// (it ignores clientToken and keeps stopped tasks listed).
describeWith(['dynamodb'], 'ecs-task-launcher: the record of started uploads', () => {
  const table = uniqueName('launches');
  let ddb: DynamoDBDocumentClient;
  let clock: number;
  let ecs: EcsAsDocumented;
  let n = 0;
  let object: { bucket: string; key: string; etag: string };
  const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });

  const metrics = new Metrics({ namespace: 'EcsTaskLauncherTest', serviceName: 'ecs-task-launcher' });
  const deps = (): LauncherDeps => ({
    metrics,
    ecs: ecs.client(),
    s3: new S3Client({}),
    ddb,
    now: () => clock,
    logger,
    config: parseConfig({
      CLUSTER: 'media',
      TASK_DEFINITION: 'transcoder',
      SUBNETS: 'subnet-a',
      LAUNCH_TABLE: table,
    }),
  });
  // launchTasks leaves the flush to the handler's logMetrics middleware: flushed here so the
  // test reads each invocation's metrics as CloudWatch would get them.
  const launcher =
    (with_: Partial<LauncherDeps> = {}) =>
    async (event: unknown) => {
      try {
        return await launchTasks(event, { ...deps(), ...with_ });
      } finally {
        metrics.publishStoredMetrics();
      }
    };
  const record = async () =>
    (await ddb.send(new GetCommand({ TableName: table, Key: { token: launchToken(object) }, ConsistentRead: true })))
      .Item;

  beforeAll(async () => {
    emulator();
    const client = new DynamoDBClient({});
    await client.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'token', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'token', KeyType: 'HASH' }],
      }),
    );
    ddb = DynamoDBDocumentClient.from(client);
  });

  beforeEach(() => {
    clock = Date.parse('2026-12-02T10:00:00Z');
    ecs = new EcsAsDocumented(() => clock);
    // A new upload per test: its own token, so tests share the table without meeting.
    object = { bucket: 'uploads', key: `in/clip-${++n}.mov`, etag: `9b2cf535f27731c974343645a3985328${n}` };
  });

  it('a re-delivery hours after the task stopped starts no second task', async () => {
    let first: Awaited<ReturnType<ReturnType<typeof launcher>>> = { launched: [], skipped: [] };
    const firstLogs = await captureLogs(async () => {
      first = await launcher()(object);
    });
    expect(first.launched[0]).toMatchObject({ started: true, taskArns: [ecs.tasks[0]?.taskArn] });
    clock += 10 * MINUTE;
    ecs.stop(ecs.tasks[0]?.taskArn as string);
    // Past what ECS remembers: ListTasks forgets the stopped task after an hour, and the
    // client token lives for the task's lifetime plus one hour.
    clock += 3 * HOUR;
    let again: typeof first = { launched: [], skipped: [] };
    const againLogs = await captureLogs(async () => {
      again = await launcher()(object);
    });
    expect(again.launched[0]).toMatchObject({ started: false, taskArns: first.launched[0]?.taskArns });
    // Counted as CloudWatch metrics (embedded metric format): one task started, then none.
    const emf = (logs: Record<string, unknown>[]) => logs.find((l) => l.TasksStarted !== undefined);
    expect(emf(firstLogs)).toMatchObject({ TasksStarted: 1, LaunchesFoundDone: 0, LaunchesFailed: 0 });
    expect(emf(againLogs)).toMatchObject({ TasksStarted: 0, LaunchesFoundDone: 1, LaunchesFailed: 0 });
    expect(ecs.tasks).toHaveLength(1);
    expect(await record()).toMatchObject({
      bucket: 'uploads',
      key: object.key,
      etag: object.etag,
      attempt: 1,
      taskArns: first.launched[0]?.taskArns,
    });
  });

  it('two deliveries at once make one RunTask call; the other finds the task or is told to retry, and its retry finds it', async () => {
    const results = await Promise.allSettled([launcher()(object), launcher()(object)]);
    expect(ecs.runTaskInputs).toHaveLength(1);
    const taskArns = [ecs.tasks[0]?.taskArn];
    for (const r of results) {
      if (r.status === 'rejected') {
        expect(r.reason).toMatchObject({
          name: 'LaunchInProgressError',
          message: expect.stringMatching(/being launched by another invocation \(claim held until .+\): retry later$/),
        });
      } else {
        expect(r.value.launched[0]?.taskArns).toEqual(taskArns);
      }
    }
    const started = results.filter((r) => r.status === 'fulfilled' && r.value.launched[0]?.started);
    expect(started).toHaveLength(1);
    const retry = await launcher()(object);
    expect(retry.launched[0]).toMatchObject({ started: false, taskArns });
    expect(ecs.tasks).toHaveLength(1);
  });

  it('after a crash between the claim and the record of the task, a retry sends the same client token and records the task', async () => {
    // An earlier invocation claimed the upload, called RunTask (ECS started the task) and
    // died before recording the ARN; its lease has run out.
    const token = launchToken(object);
    await ddb.send(
      new PutCommand({
        TableName: table,
        Item: { token, ...object, attempt: 1, claimedAt: clock, leaseUntil: clock + MINUTE },
      }),
    );
    await ecs.client().send(
      new RunTaskCommand({
        cluster: 'media',
        taskDefinition: 'transcoder',
        clientToken: token,
        startedBy: token,
      }),
    );
    ecs.runTaskInputs.length = 0;
    clock += 5 * MINUTE;
    const res = await launcher()(object);
    expect(ecs.runTaskInputs.map((i) => i.clientToken)).toEqual([token]);
    expect(ecs.tasks).toHaveLength(1);
    expect(res.launched[0]?.taskArns).toEqual([ecs.tasks[0]?.taskArn]);
    expect(await record()).toMatchObject({ attempt: 1, taskArns: [ecs.tasks[0]?.taskArn] });
  });

  it('a claim still held by a live invocation is left to it: retry later, no RunTask', async () => {
    await ddb.send(
      new PutCommand({
        TableName: table,
        Item: { token: launchToken(object), ...object, attempt: 1, claimedAt: clock, leaseUntil: clock + MINUTE },
      }),
    );
    clock += 10_000;
    await expect(launcher()(object)).rejects.toMatchObject({ name: 'LaunchInProgressError' });
    expect(ecs.runTaskInputs).toEqual([]);
  });

  it('a claim without a task, older than ECS remembers client tokens, fails loudly instead of risking a second task', async () => {
    await ddb.send(
      new PutCommand({
        TableName: table,
        Item: { token: launchToken(object), ...object, attempt: 1, claimedAt: clock, leaseUntil: clock + MINUTE },
      }),
    );
    clock += 2 * HOUR;
    await expect(launcher()(object)).rejects.toMatchObject({
      name: 'StaleClaimError',
      message: expect.stringContaining(`started-by ${launchToken(object)}`),
    });
    expect(ecs.runTaskInputs).toEqual([]);
  });

  it('when RunTask starts nothing (200 with failures), the next delivery asks again with a new client token', async () => {
    // ECS returns the original result to a retry with the same token, failures included:
    // retrying with it would get the same "no capacity" answer until the token expires.
    ecs.answer = () => 'capacity';
    await expect(launcher()(object)).rejects.toMatchObject({
      name: 'RunTaskFailedError',
      message: expect.stringContaining('Capacity is unavailable'),
    });
    expect(await record()).toMatchObject({ attempt: 1, failed: true, lastError: expect.stringContaining('Capacity') });
    ecs.answer = () => 'start';
    clock += MINUTE;
    const res = await launcher()(object);
    expect(res.launched[0]).toMatchObject({ started: true, taskArns: [ecs.tasks[0]?.taskArn] });
    const [firstToken, secondToken] = ecs.runTaskInputs.map((i) => i.clientToken);
    expect(secondToken).toMatch(/^[0-9a-f]{64}$/);
    expect(secondToken).not.toBe(firstToken);
    expect(await record()).toMatchObject({ attempt: 2, taskArns: [ecs.tasks[0]?.taskArn] });
  });

  it('when RunTask fails with a server error after starting the task, the retry gets that task back', async () => {
    ecs.answer = () => 'server-error-after-start';
    await expect(launcher()(object)).rejects.toMatchObject({
      name: 'RunTaskFailedError',
      message: expect.stringContaining('ServerException'),
    });
    ecs.answer = () => 'start';
    // No waiting for the lease: a failed invocation gives it back.
    const res = await launcher()(object);
    expect(ecs.tasks).toHaveLength(1);
    expect(res.launched[0]?.taskArns).toEqual([ecs.tasks[0]?.taskArn]);
    expect(new Set(ecs.runTaskInputs.map((i) => i.clientToken)).size).toBe(1);
  });

  it('tries every object of an event before failing, names each failure, and a retry starts only what is missing', async () => {
    const keyOf = (input: {
      overrides?: { containerOverrides?: { environment?: { name?: string; value?: string }[] }[] };
    }) => input.overrides?.containerOverrides?.[0]?.environment?.find((e) => e.name === 'INPUT_KEY')?.value;
    const keys = ['a', 'b', 'c'].map((k) => `in/${n}-${k}.mov`);
    ecs.answer = (input) => (keyOf(input) === keys[1] ? 'capacity' : 'start');
    const event = s3Notification(keys.map((key) => ({ bucket: 'uploads', key, eTag: `etag-${key}`, size: 100 })));
    await expect(launcher()(event)).rejects.toThrow(
      new RegExp(
        `^RunTask for s3://uploads/${keys[1]} started no task \\(cluster media, task definition transcoder\\): Capacity is unavailable`,
      ),
    );
    expect(ecs.runTaskInputs.map(keyOf)).toEqual(keys);
    ecs.answer = () => 'start';
    const retry = await launcher()(event);
    expect(retry.launched.map((l) => l.started)).toEqual([false, true, false]);
    expect(ecs.tasks).toHaveLength(3);
  });

  it('a direct call for a key S3 answers 403 to (missing, without s3:ListBucket) starts nothing and says why', async () => {
    // HeadObject API reference, Permissions: without s3:ListBucket on the bucket, a missing key
    // is 403 Forbidden, not 404 (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html).
    // The function runs in-process here with the test's credentials, which may list every bucket,
    // so S3 is scripted for this one answer (the harness's proxy gives the 403 to roles that may not).
    const forbidden = {
      send: async () => {
        throw new S3ServiceException({
          name: 'Forbidden',
          $fault: 'client',
          $metadata: { httpStatusCode: 403 },
          message: 'Forbidden',
        });
      },
    } as unknown as S3Client;
    const handler = launcher({ s3: forbidden });
    await expect(handler({ bucket: 'uploads', key: 'in/gone.mov' })).rejects.toMatchObject({
      name: 'SourceNotFoundError',
      message:
        's3://uploads/in/gone.mov is not readable by the launcher (403: missing, or outside what its role may read): no task started',
    });
    expect(ecs.runTaskInputs).toEqual([]);
  });
});
