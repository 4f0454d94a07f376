import { ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { allows, invoke, removeStatements } from '@samples/emulator/deploy';
import { describeWith, emulator, uniqueName } from '@samples/emulator/testing';
import { listKeys, type StoppedTask, waitFor, waitForExecution, waitForTaskStopped } from '@samples/emulator/waiters';
import { makeClip } from '@samples/test-support/clips';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LIMITS } from '../src/limits.ts';
import type { Notice } from '../src/notice.ts';
import { executionName } from '../src/uploads.ts';
import { sampleEvent } from './events.ts';
import { deployPipeline, type PipelineStack } from './stack.ts';

describeWith(
  ['cloudformation', 'cloudformation-custom-resources', 'lambda', 'ecs', 's3', 'sns', 'sqs', 'stepfunctions', 'iam'],
  'video-pipeline stack: upload -> ValidateVideo -> transcoder on ECS (runTask.sync) -> notice',
  () => {
    let stack: PipelineStack;
    let s3: S3Client;
    let sfn: SFNClient;
    let ecs: ECSClient;
    let sqs: SQSClient;
    const notices: Notice[] = [];
    let firstRun = { name: '', etag: '', sequencer: '' as string | null, body: Buffer.alloc(0) as Uint8Array };

    beforeAll(async () => {
      const info = emulator();
      console.info(
        `[emulator] ${info.description}: the video-pipeline stack deployed with -c flowLogs=false (no AWS::EC2::FlowLog)`,
      );
      s3 = new S3Client({});
      sfn = new SFNClient({});
      ecs = new ECSClient({});
      sqs = new SQSClient({});
      stack = await deployPipeline(uniqueName('pipeline'), { ...process.env, ...info.env });
    });
    afterAll(async () => {
      await stack?.destroy();
    });

    const executionsOf = async (on: PipelineStack) =>
      (await sfn.send(new ListExecutionsCommand({ stateMachineArn: on.stateMachineArn, maxResults: 1000 })))
        .executions ?? [];

    /**
     * Uploads under uploads/ (the trigger's prefix); the execution it starts, and once `ended`.
     * The execution's name also hashes the event's sequencer, which only the notification knows:
     * the execution is the new one whose input names this key and ETag, and its input gives the sequencer.
     */
    async function uploadStarting(key: string, body: Uint8Array | string, contentType: string, on = stack) {
      const known = new Set((await executionsOf(on)).map((e) => e.executionArn));
      const put = await s3.send(
        new PutObjectCommand({ Bucket: on.inputBucket, Key: key, Body: body, ContentType: contentType }),
      );
      const etag = put.ETag ?? '';
      const found = await waitFor(`an execution for the upload of ${key}`, async () => {
        for (const e of await executionsOf(on)) {
          if (known.has(e.executionArn)) continue;
          const d = await sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn }));
          const input = JSON.parse(d.input ?? '{}') as { key?: string; etag?: string; sequencer?: string | null };
          if (input.key === key && input.etag === etag.replaceAll('"', '')) {
            return { name: e.name ?? '', arn: e.executionArn ?? '', sequencer: input.sequencer ?? null };
          }
        }
        return undefined;
      });
      const { name, arn, sequencer } = found;
      return { name, etag, arn, sequencer, ended: () => waitForExecution(sfn, arn, { timeoutMs: 300_000 }) };
    }

    async function upload(key: string, body: Uint8Array | string, contentType: string, on = stack) {
      const started = await uploadStarting(key, body, contentType, on);
      return { ...started, execution: await started.ended() };
    }

    async function history(execution: DescribeExecutionCommandOutput): Promise<HistoryEvent[]> {
      const res = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn: execution.executionArn, maxResults: 1000 }),
      );
      return res.events ?? [];
    }

    /** The states the execution entered, in order. */
    async function path(execution: DescribeExecutionCommandOutput): Promise<string[]> {
      return (await history(execution))
        .filter((e) => e.type?.endsWith('StateEntered'))
        .map((e) => e.stateEnteredEventDetails?.name ?? '');
    }

    /** The ECS tasks an execution started (the state passes the execution's name as startedBy). */
    async function tasksOf(name: string, on = stack): Promise<StoppedTask[]> {
      const arns: string[] = [];
      for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
        const res = await ecs.send(new ListTasksCommand({ cluster: on.cluster, startedBy: name, desiredStatus }));
        arns.push(...(res.taskArns ?? []));
      }
      return Promise.all(arns.map((arn) => waitForTaskStopped(ecs, on.cluster, arn)));
    }

    /** Receives every notice that arrives within `ms`, keeping them in `notices`. */
    async function receiveNotices(ms: number): Promise<void> {
      for (const end = Date.now() + ms; Date.now() < end; ) {
        const res = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: stack.noticesUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        for (const m of res.Messages ?? []) {
          notices.push(JSON.parse((JSON.parse(m.Body ?? '{}') as { Message: string }).Message) as Notice);
          await sqs.send(new DeleteMessageCommand({ QueueUrl: stack.noticesUrl, ReceiptHandle: m.ReceiptHandle }));
        }
      }
    }

    /** Notices for a source key; every notice received is kept, in any order. */
    async function noticeFor(key: string, eventType: Notice['eventType']): Promise<Notice> {
      return waitFor(`a ${eventType} notice for ${key}`, async () => {
        const found = notices.find((n) => n.source.key === key && n.eventType === eventType);
        if (found) return found;
        const res = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: stack.noticesUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        for (const m of res.Messages ?? []) {
          notices.push(JSON.parse((JSON.parse(m.Body ?? '{}') as { Message: string }).Message) as Notice);
          await sqs.send(new DeleteMessageCommand({ QueueUrl: stack.noticesUrl, ReceiptHandle: m.ReceiptHandle }));
        }
        return undefined;
      });
    }

    it('transcodes an uploaded clip on ECS and announces the renditions', async () => {
      const key = 'uploads/holiday.mp4';
      const body = makeClip({ width: 1280, height: 720 });
      const { name, etag, sequencer, execution } = await upload(key, body, 'video/mp4');
      firstRun = { name, etag, sequencer, body };
      // The name is the readable file name and a hash of the upload (sequencer included).
      expect(name).toBe(executionName({ bucket: stack.inputBucket, key, etag, sequencer: sequencer ?? undefined }));
      expect(execution.status, execution.cause ?? execution.error).toBe('SUCCEEDED');

      const tasks = await tasksOf(name);
      expect(tasks).toHaveLength(1);
      expect(tasks[0]?.exitCode, tasks[0]?.why).toBe(0);
      // The version of the upload event, and the limits of src/limits.ts, reach the task.
      expect(tasks[0]?.environment).toMatchObject({
        INPUT_BUCKET: stack.inputBucket,
        INPUT_KEY: key,
        INPUT_ETAG: etag.replaceAll('"', ''),
        OUTPUT_BUCKET: stack.outputBucket,
        OUTPUT_PREFIX: 'processed',
        MAX_DURATION_SECONDS: String(LIMITS.maxDurationSeconds),
      });

      expect(await listKeys(s3, stack.outputBucket)).toEqual([
        'processed/480p/uploads/holiday.mp4.mp4',
        'processed/720p/uploads/holiday.mp4.mp4',
        'processed/manifest/uploads/holiday.mp4.json',
      ]);
      const notice = await noticeFor(key, 'VideoTranscoded');
      expect(notice.executionArn).toBe(execution.executionArn);
      expect(notice.manifest).toEqual({
        bucket: stack.outputBucket,
        key: 'processed/manifest/uploads/holiday.mp4.json',
      });
      expect(notice.renditions?.map((r) => `${r.name} ${r.width}x${r.height} ${r.key}`)).toEqual([
        '720p 1280x720 processed/720p/uploads/holiday.mp4.mp4',
        '480p 854x480 processed/480p/uploads/holiday.mp4.mp4',
      ]);
      expect(await path(execution)).toEqual([
        'ValidateVideo',
        'IsValidVideo',
        'PrepareTranscode',
        'StartECSTask',
        'HasExitCode',
        'ExitCode',
        'NotifyComplete',
      ]);
    });

    it('starts no second execution when the upload event is delivered again', async () => {
      const executions = () => executionsOf(stack);
      // A re-delivery is the same notification: the same ETag and the same sequencer.
      expect(firstRun.sequencer).toEqual(expect.any(String));
      const before = await executions();
      expect(before.filter((e) => e.name === firstRun.name)).toHaveLength(1);
      // The sample event (events/s3-object-created.json) made the first run's: its upload again.
      const redelivered = sampleEvent('s3-object-created') as {
        Records: { s3: { bucket: Record<string, unknown>; object: Record<string, unknown> } }[];
      };
      for (const r of redelivered.Records) {
        r.s3.bucket = { ...r.s3.bucket, name: stack.inputBucket, arn: `arn:aws:s3:::${stack.inputBucket}` };
        r.s3.object = {
          key: 'uploads/holiday.mp4',
          eTag: firstRun.etag.replaceAll('"', ''),
          size: 1,
          sequencer: firstRun.sequencer,
        };
      }
      const res = await invoke<{ executions: { executionName: string; started: boolean }[] }>(
        stack.triggerFunction,
        redelivered,
      );
      expect(res.functionError, res.log).toBeUndefined();
      expect(res.payload.executions).toEqual([
        expect.objectContaining({ executionName: firstRun.name, started: false }),
      ]);
      expect((await executions()).length).toBe(before.length);
      expect(await tasksOf(firstRun.name)).toHaveLength(1);
    });

    it('the same bytes uploaded again to the same key are processed again (a new PUT, not a re-delivery)', async () => {
      const key = 'uploads/holiday.mp4';
      const { name, etag, sequencer, execution } = await upload(key, firstRun.body, 'video/mp4');
      // Same bytes, single-part, no SSE-KMS: the same ETag (the MD5 of the data), another sequencer.
      expect(etag).toBe(firstRun.etag);
      expect(sequencer).toEqual(expect.any(String));
      expect(sequencer).not.toBe(firstRun.sequencer);
      expect(name).not.toBe(firstRun.name);
      expect(execution.status, execution.cause ?? execution.error).toBe('SUCCEEDED');
      const tasks = await tasksOf(name);
      expect(tasks.map((t) => [t.exitCode, t.environment.INPUT_ETAG])).toEqual([[0, etag.replaceAll('"', '')]]);
      expect(await tasksOf(firstRun.name)).toHaveLength(1);
      await waitFor('the notice of the second upload', async () => {
        await receiveNotices(1000);
        return notices.find((n) => n.executionArn === execution.executionArn && n.eventType === 'VideoTranscoded');
      });
    });

    it('rejects a non-video upload: FAILED with VideoRejected, no task started, a rejection notice', async () => {
      const key = 'uploads/notes.txt';
      const { name, execution } = await upload(key, 'these are notes, not a video', 'text/plain');
      expect(execution.status).toBe('FAILED');
      expect(execution.error).toBe('VideoRejected');
      expect(execution.cause).toBe('content type text/plain is not a video');
      expect(await tasksOf(name)).toEqual([]);
      expect(await path(execution)).toEqual(['ValidateVideo', 'IsValidVideo', 'NotifyRejected', 'VideoRejected']);
      const notice = await noticeFor(key, 'VideoRejected');
      expect(notice.reason).toBe('content type text/plain is not a video');
      expect(notice.executionArn).toBe(execution.executionArn);
    });

    it('rejects a file named .mp4 whose bytes are not a video', async () => {
      const key = 'uploads/fake.mp4';
      const { name, execution } = await upload(key, Buffer.from('%PDF-1.7 not a video'), 'video/mp4');
      expect(execution.status).toBe('FAILED');
      expect(execution.error).toBe('VideoRejected');
      expect(execution.cause).toMatch(/not a known video container/);
      expect(await tasksOf(name)).toEqual([]);
    });

    it('an input the transcoder refuses (exit code 2) is rejected and never retried: one task, no outputs', async () => {
      // Valid MP4 magic bytes, so ValidateVideo lets it through; ffprobe then refuses it.
      const key = 'uploads/corrupt.mp4';
      const body = Buffer.concat([
        Buffer.from([0, 0, 0, 0x18]),
        Buffer.from('ftypisom\0\0\x02\0isomiso2', 'latin1'),
        Buffer.alloc(4096, 7),
      ]);
      const { name, execution } = await upload(key, body, 'video/mp4');
      expect(execution.status).toBe('FAILED');
      expect(execution.error).toBe('VideoRejected');
      expect(execution.cause).toMatch(/exit code 2/);
      // As on AWS: the task state fails (States.TaskFailed: the essential container exited 2), and
      // the exit code is read from the cause, the stopped task's description.
      expect((await path(execution)).slice(-8)).toEqual([
        'StartECSTask',
        'ReadStoppedTask',
        'ParseStoppedTask',
        'HasExitCode',
        'ExitCode',
        'TranscodeRejected',
        'NotifyRejected',
        'VideoRejected',
      ]);

      const tasks = await tasksOf(name);
      expect(tasks.map((t) => t.exitCode)).toEqual([2]);
      expect(await listKeys(s3, stack.outputBucket, 'processed/manifest/uploads/corrupt')).toEqual([]);

      const notice = await noticeFor(key, 'VideoRejected');
      expect(notice.executionArn).toBe(execution.executionArn);
      expect(notice.reason).toMatch(/exit code 2/);
    });

    it('refuses a version of the object other than the one of the execution: replaced uploads are not transcoded', async () => {
      // An execution whose upload event names an ETag the object no longer has (the key was
      // uploaded again since): ValidateVideo's HeadObject with If-Match answers 412.
      const res = await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: stack.stateMachineArn,
          name: uniqueName('replaced'),
          input: JSON.stringify({
            bucket: stack.inputBucket,
            key: 'uploads/holiday.mp4',
            etag: '0123456789abcdef0123456789abcdef',
          }),
        }),
      );
      const execution = await waitForExecution(sfn, res.executionArn!, { timeoutMs: 120_000 });
      expect(execution.status).toBe('FAILED');
      expect(execution.error).toBe('VideoRejected');
      expect(execution.cause).toMatch(/was replaced after this upload/);
      expect(await path(execution)).toEqual(['ValidateVideo', 'IsValidVideo', 'NotifyRejected', 'VideoRejected']);
    });

    it("never announces a previous version's manifest for a new upload of the same key", async () => {
      // The manifest of uploads/holiday.mp4 in S3 is the transcoder's for the first upload (test 1).
      const manifestKey = 'processed/manifest/uploads/holiday.mp4.json';
      const manifest = JSON.parse(
        await (
          await s3.send(new GetObjectCommand({ Bucket: stack.outputBucket, Key: manifestKey }))
        ).Body!.transformToString(),
      ) as { version: number; source: { etag: string } };
      expect(manifest.version).toBe(2);
      expect(manifest.source.etag).toBe(firstRun.etag.replaceAll('"', ''));

      // NotifyComplete for a newer upload of that key (another ETag) whose transcode wrote nothing.
      const newer = 'fedcba9876543210fedcba9876543210';
      const executionArn = `${stack.stateMachineArn.replace(':stateMachine:', ':execution:')}:newer-upload`;
      const res = await invoke<{ errorType?: string; errorMessage?: string }>(stack.notifyFunction, {
        status: 'SUCCEEDED',
        bucket: stack.inputBucket,
        key: 'uploads/holiday.mp4',
        etag: newer,
        executionArn,
      });
      expect(res.functionError, res.log).toBeDefined();
      expect(res.payload.errorMessage).toBe(
        `s3://${stack.outputBucket}/${manifestKey} is not the manifest of this upload: it describes the source version with ETag ${manifest.source.etag}, not this upload's ${newer}; the transcode of this version did not complete`,
      );
      // Nothing was published for it: every notice on the queue for a few seconds, none of that execution.
      await receiveNotices(5000);
      expect(notices.filter((n) => n.executionArn === executionArn)).toEqual([]);
    });

    it('an execution started by hand without an ETag transcodes the version ValidateVideo found', async () => {
      const name = uniqueName('by-hand');
      const res = await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: stack.stateMachineArn,
          name,
          input: JSON.stringify({ bucket: stack.inputBucket, key: 'uploads/holiday.mp4' }),
        }),
      );
      const execution = await waitForExecution(sfn, res.executionArn!, { timeoutMs: 300_000 });
      expect(execution.status, execution.cause ?? execution.error).toBe('SUCCEEDED');
      const tasks = await tasksOf(name);
      expect(tasks.map((t) => t.environment.INPUT_ETAG)).toEqual([firstRun.etag.replaceAll('"', '')]);
      // Its notice, once: the manifest the task wrote names the ETag ValidateVideo pinned.
      await receiveNotices(3000);
      expect(notices.filter((n) => n.executionArn === execution.executionArn).map((n) => n.eventType)).toEqual([
        'VideoTranscoded',
      ]);
    });

    it('retries a transient transcoder failure (exit code 1) after a wait, and announces the second attempt', async () => {
      // The task role loses s3:PutObject: the first task's uploads are denied, it exits 1; the
      // statement is back while the execution waits to retry.
      const denied = await removeStatements(stack.taskRoleName, allows('s3:PutObject'));
      const key = 'uploads/retry.mp4';
      const started = await (async () => {
        try {
          const upload = await uploadStarting(key, makeClip({ width: 640, height: 360 }), 'video/mp4');
          const first = await waitFor(`the first task of ${upload.name} to stop`, async () => {
            const res = await ecs.send(
              new ListTasksCommand({ cluster: stack.cluster, startedBy: upload.name, desiredStatus: 'STOPPED' }),
            );
            const taskArn = res.taskArns?.[0];
            return taskArn ? waitForTaskStopped(ecs, stack.cluster, taskArn) : undefined;
          });
          expect(first.exitCode, first.why).toBe(1);
          return upload;
        } finally {
          await denied.restore();
        }
      })();
      const { name, etag, arn, ended } = started;
      const execution = await ended();
      expect(execution.status, execution.cause ?? execution.error).toBe('SUCCEEDED');
      const tasks = await tasksOf(name);
      expect(tasks.map((t) => t.exitCode).sort()).toEqual([0, 1]);
      const states = await path(execution);
      expect(states.filter((s) => s === 'StartECSTask')).toHaveLength(2);
      expect(states.filter((s) => s === 'WaitBeforeRetry')).toHaveLength(1);
      expect(states.at(-1)).toBe('NotifyComplete');
      expect(await listKeys(s3, stack.outputBucket, 'processed/manifest/uploads/retry')).toEqual([
        'processed/manifest/uploads/retry.mp4.json',
      ]);
      const waited = (await history(execution)).find((e) => e.stateEnteredEventDetails?.name === 'WaitBeforeRetry');
      expect(JSON.parse(waited?.stateEnteredEventDetails?.input ?? '{}').transcode.retryDelaySeconds).toBe(
        LIMITS.firstRetryDelaySeconds,
      );
      expect(arn).toBe(execution.executionArn);
      expect(etag).toBeTruthy();
    });
  },
);
