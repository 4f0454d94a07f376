import { DescribeTasksCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, type DescribeExecutionCommandOutput, type SFNClient } from '@aws-sdk/client-sfn';
import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
}

/**
 * Polls `check` until it returns a value other than undefined. On time-out the error
 * says what was awaited and what was last seen.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  { timeoutMs = 30_000, intervalMs = 250 }: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = 'nothing yet';
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last =
        (error as Error).name === 'Error'
          ? (error as Error).message
          : `${(error as Error).name}: ${(error as Error).message}`;
    }
    if (Date.now() >= deadline) {
      throw new WaitTimeoutError(`Timed out after ${timeoutMs / 1000}s waiting for ${what} (last: ${last})`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Waits until s3://bucket/key exists and returns its body. */
export async function waitForObject(s3: S3Client, bucket: string, key: string, opts?: WaitOptions): Promise<Buffer> {
  await waitFor(
    `object s3://${bucket}/${key} to appear`,
    async () => {
      await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return true;
    },
    opts,
  );
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await res.Body!.transformToByteArray());
}

/** Waits until at least `count` keys exist under the prefix and returns them all. */
export async function waitForKeys(
  s3: S3Client,
  bucket: string,
  prefix: string,
  count: number,
  opts?: WaitOptions,
): Promise<string[]> {
  return waitFor(
    `${count} object(s) under s3://${bucket}/${prefix}`,
    async () => {
      const keys = await listKeys(s3, bucket, prefix);
      return keys.length >= count ? keys : undefined;
    },
    opts,
  );
}

export async function listKeys(s3: S3Client, bucket: string, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = page.NextContinuationToken;
  } while (token);
  return keys.sort();
}

/**
 * Receives messages (leaving them on the queue, invisible for its visibility timeout) until `count` have arrived. Returns them; fails with
 * how many arrived when fewer come in time.
 */
export async function waitForMessages(
  sqs: SQSClient,
  queueUrl: string,
  count: number,
  opts?: WaitOptions,
): Promise<Message[]> {
  const got: Message[] = [];
  await waitFor(
    `${count} message(s) on ${queueUrl}`,
    async () => {
      const res = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
        }),
      );
      got.push(...(res.Messages ?? []));
      if (got.length < count) throw new Error(`${got.length} arrived`);
      return got;
    },
    { intervalMs: 0, ...opts },
  );
  return got;
}

/** Receives and deletes everything currently visible in a queue. */
export async function drain(sqs: SQSClient, queueUrl: string): Promise<Message[]> {
  const out: Message[] = [];
  for (;;) {
    const r = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
      }),
    );
    const msgs = r.Messages ?? [];
    if (msgs.length === 0) return out;
    out.push(...msgs);
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
}

/** Waits until a Step Functions execution leaves RUNNING and returns its description. */
export async function waitForExecution(
  sfn: SFNClient,
  executionArn: string,
  opts?: WaitOptions,
): Promise<DescribeExecutionCommandOutput> {
  return waitFor(
    `execution ${executionArn} to end`,
    async () => {
      const res = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (res.status === 'RUNNING' || res.status === 'PENDING_REDRIVE') throw new Error(`status ${res.status}`);
      return res;
    },
    { timeoutMs: 120_000, intervalMs: 500, ...opts },
  );
}

export interface StoppedTask {
  taskArn: string;
  exitCode: number | undefined;
  /** The task's and the container's stop reasons, for assertion messages. */
  why: string;
  /** The environment the container was started with (its overrides). */
  environment: Record<string, string>;
}

/** Waits until the task has STOPPED and its container reports an exit code. */
export async function waitForTaskStopped(
  ecs: ECSClient,
  cluster: string,
  taskArn: string,
  timeoutMs = 180_000,
): Promise<StoppedTask> {
  const task = await waitFor(
    `task ${taskArn} to stop`,
    async () => {
      const t = (await ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] }))).tasks?.[0];
      return t?.lastStatus === 'STOPPED' && t.containers?.[0]?.exitCode !== undefined ? t : undefined;
    },
    { timeoutMs, intervalMs: 1000 },
  );
  const c = task.containers?.[0];
  const overrides = task.overrides?.containerOverrides?.find((o) => o.name === c?.name)?.environment ?? [];
  return {
    taskArn,
    exitCode: c?.exitCode,
    why: `${task.stoppedReason ?? ''} ${c?.reason ?? ''}`.trim(),
    environment: Object.fromEntries(overrides.map((e) => [e.name ?? '', e.value ?? ''])),
  };
}
