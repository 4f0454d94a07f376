import { ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { invoke } from '@samples/emulator/deploy';
import { describeWith, emulator, uniqueName } from '@samples/emulator/testing';
import { listKeys, waitFor, waitForExecution } from '@samples/emulator/waiters';
import { makeClip } from '@samples/transcoder/clips';
import { type StoppedTask, waitForTaskStopped } from '@samples/transcoder/ecs';
import { beforeAll, expect, it } from 'vitest';
import type { Notice } from '../src/notice.ts';
import { executionName } from '../src/uploads.ts';
import { deployPipeline, type PipelineStack } from './stack.ts';

describeWith(
  ['lambda', 'ecs', 's3', 'sns', 'sqs', 'stepfunctions', 'iam'],
  'video-pipeline: upload -> ValidateVideo -> transcoder on ECS (runTask.sync) -> notice',
  () => {
    let stack: PipelineStack;
    let s3: S3Client;
    let sfn: SFNClient;
    let ecs: ECSClient;
    let sqs: SQSClient;
    const notices: Notice[] = [];
    let firstRun = { name: '', etag: '' };

    beforeAll(async () => {
      emulator();
      s3 = new S3Client({});
      sfn = new SFNClient({});
      ecs = new ECSClient({});
      sqs = new SQSClient({});
      stack = await deployPipeline(uniqueName('pipeline'));
    });

    /** Uploads under uploads/ (the trigger's prefix) and returns the execution it starts, once ended. */
    async function upload(key: string, body: Uint8Array | string, contentType: string) {
      const put = await s3.send(
        new PutObjectCommand({ Bucket: stack.inputBucket, Key: key, Body: body, ContentType: contentType }),
      );
      const name = executionName({ bucket: stack.inputBucket, key, etag: put.ETag ?? '' });
      const arn = await waitFor(`an execution named ${name}`, async () => {
        const res = await sfn.send(new ListExecutionsCommand({ stateMachineArn: stack.stateMachineArn }));
        return res.executions?.find((e) => e.name === name)?.executionArn;
      });
      const execution = await waitForExecution(sfn, arn, { timeoutMs: 240_000 });
      return { name, etag: put.ETag ?? '', execution };
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
    async function tasksOf(name: string): Promise<StoppedTask[]> {
      const arns: string[] = [];
      for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
        const res = await ecs.send(
          new ListTasksCommand({ cluster: stack.task.cluster, startedBy: name, desiredStatus }),
        );
        arns.push(...(res.taskArns ?? []));
      }
      return Promise.all(arns.map((arn) => waitForTaskStopped(ecs, stack.task.cluster, arn)));
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
      const { name, etag, execution } = await upload(key, makeClip({ width: 1280, height: 720 }), 'video/mp4');
      firstRun = { name, etag };
      expect(execution.status, execution.cause ?? execution.error).toBe('SUCCEEDED');

      const tasks = await tasksOf(name);
      expect(tasks).toHaveLength(1);
      expect(tasks[0]?.exitCode, tasks[0]?.why).toBe(0);
      expect(tasks[0]?.environment).toMatchObject({
        INPUT_BUCKET: stack.inputBucket,
        INPUT_KEY: key,
        OUTPUT_BUCKET: stack.outputBucket,
        OUTPUT_PREFIX: 'processed',
      });

      expect(await listKeys(s3, stack.outputBucket)).toEqual([
        'processed/480p/uploads/holiday.mp4',
        'processed/720p/uploads/holiday.mp4',
        'processed/manifest/uploads/holiday.json',
      ]);
      const notice = await noticeFor(key, 'VideoTranscoded');
      expect(notice.executionArn).toBe(execution.executionArn);
      expect(notice.manifest).toEqual({ bucket: stack.outputBucket, key: 'processed/manifest/uploads/holiday.json' });
      expect(notice.renditions?.map((r) => `${r.name} ${r.width}x${r.height} ${r.key}`)).toEqual([
        '720p 1280x720 processed/720p/uploads/holiday.mp4',
        '480p 854x480 processed/480p/uploads/holiday.mp4',
      ]);
      expect(await path(execution)).toEqual(['ValidateVideo', 'IsValidVideo', 'StartECSTask', 'NotifyComplete']);
    });

    it('starts no second execution when the upload event is delivered again', async () => {
      const executions = async () =>
        (await sfn.send(new ListExecutionsCommand({ stateMachineArn: stack.stateMachineArn }))).executions ?? [];
      const before = await executions();
      expect(before.filter((e) => e.name === firstRun.name)).toHaveLength(1);
      const redelivered = {
        Records: [
          {
            eventName: 'ObjectCreated:Put',
            s3: {
              bucket: { name: stack.inputBucket },
              object: { key: 'uploads/holiday.mp4', eTag: firstRun.etag.replaceAll('"', ''), size: 1 },
            },
          },
        ],
      };
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

    it('a transcoder failure (exit code 2) fails the pipeline with a failure notice and no outputs', async () => {
      // Valid MP4 magic bytes, so ValidateVideo lets it through; ffprobe then refuses it.
      const key = 'uploads/corrupt.mp4';
      const body = Buffer.concat([
        Buffer.from([0, 0, 0, 0x18]),
        Buffer.from('ftypisom\0\0\x02\0isomiso2', 'latin1'),
        Buffer.alloc(4096, 7),
      ]);
      const { name, execution } = await upload(key, body, 'video/mp4');
      expect(execution.status).toBe('FAILED');
      expect((await path(execution)).slice(-2)).toEqual(['NotifyFailure', 'PipelineFailed']);

      const tasks = await tasksOf(name);
      expect(tasks).toHaveLength(1);
      expect(tasks[0]?.exitCode, tasks[0]?.why).toBe(2);
      expect(await listKeys(s3, stack.outputBucket, 'processed/manifest/uploads/corrupt')).toEqual([]);

      const notice = await noticeFor(key, 'VideoPipelineFailed');
      expect(notice.executionArn).toBe(execution.executionArn);
      expect(notice.error?.error).toBe(execution.error);

      // On AWS the task state itself fails (States.TaskFailed: the essential container exited 2).
      // Where the backend's runTask.sync succeeds whatever the exit code, NotifyComplete's
      // manifest check is what fails the pipeline; say which one happened.
      const failed = (await history(execution)).filter((e) => e.type === 'TaskFailed');
      const at = failed.map((e) => e.taskFailedEventDetails?.resource ?? '');
      if (at.some((r) => r.includes('ecs:runTask'))) {
        expect(notice.error?.error).toBe('States.TaskFailed');
      } else {
        const info = emulator();
        console.info(
          `[emulator] ${info.backend} (${info.description}): ecs:runTask.sync did not fail on the container's exit code 2; ` +
            `NotifyComplete found no manifest and failed the pipeline (error ${execution.error})`,
        );
        expect(notice.error?.cause).toMatch(/processed\/manifest\/uploads\/corrupt\.json is missing/);
      }
    });
  },
);
