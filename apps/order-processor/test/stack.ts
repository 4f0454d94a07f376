import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateTableCommand, DeleteItemCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { LambdaClient, UpdateFunctionConfigurationCommand, waitUntilFunctionUpdatedV2 } from '@aws-sdk/client-lambda';
import { SNSClient } from '@aws-sdk/client-sns';
import {
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  SendMessageBatchCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { ScanCommand as DocScanCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { deployLocal, destroyLocal } from '@samples/cdk';
import { subscribeQueue } from '@samples/emulator/deploy';

export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface Stack {
  /** The CloudFormation stack's name. */
  name: string;
  /** The FIFO variant (`-c fifo=true`): a FIFO queue and a FIFO DLQ. */
  fifo: boolean;
  queueUrl: string;
  dlqUrl: string;
  /** An SQS queue subscribed to the topic's `OrderAccepted` notices. */
  noticesUrl: string;
  ordersTable: string;
  idempotencyTable: string;
  conflictsTable: string;
  rejectionsTable: string;
  topicArn: string;
  functionName: string;
  sqs: SQSClient;
  ddb: DynamoDBClient;
  remove(): Promise<void>;
}

/** The handler's tables, shaped as in infra/stack.ts: orders, idempotency records, conflicts, rejections. */
export async function createTables(ddb: DynamoDBClient, name: string) {
  const tables = {
    ordersTable: `${name}-orders`,
    idempotencyTable: `${name}-idempotency`,
    conflictsTable: `${name}-conflicts`,
    rejectionsTable: `${name}-rejections`,
  };
  for (const [table, ...keys] of [
    [tables.ordersTable, 'orderId'],
    [tables.idempotencyTable, 'id'],
    [tables.conflictsTable, 'orderId', 'contentHash'],
    [tables.rejectionsTable, 'orderId'],
  ]) {
    await ddb.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: keys.map((k) => ({ AttributeName: k, AttributeType: 'S' })),
        KeySchema: keys.map((k, i) => ({ AttributeName: k, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
      }),
    );
  }
  return tables;
}

export interface DeployOptions {
  /** The stack's FIFO variant. */
  fifo?: boolean;
  /**
   * Seconds after which a failed record is received again. The stack's queue keeps a batch
   * invisible for 30 minutes (six function timeouts), so a poison message reaches the DLQ after
   * an hour or more, on AWS as here: tests and the demo lower the deployed queue's visibility
   * timeout to see the same redrive in seconds. Unset, the stack's 30 minutes stay.
   */
  retryAfterSeconds?: number;
  /**
   * The function's timeout in seconds, lowered with `retryAfterSeconds` (and kept below it, as
   * in the stack): an idempotency record left in progress by an attempt that died blocks its
   * order until the function's timeout has passed. Unset, the stack's 5 minutes stay.
   */
  functionTimeoutSeconds?: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * Test, demo and benchmark tooling: the app's own CDK stack (infra/stack.ts) deployed into the
 * emulator with the CDK CLI, and a queue subscribed to its `OrderAccepted` notices.
 */
export async function deployStack(name: string, opts: DeployOptions = {}): Promise<Stack> {
  const fifo = opts.fifo ?? false;
  const stackName = `OrderProcessor-${name.replaceAll(/[^A-Za-z0-9]/g, '')}`.slice(0, 60);
  const deploy = { cwd: PACKAGE_DIR, env: opts.env ?? process.env, stackName, context: { fifo: String(fifo) } };
  const outputs = await deployLocal(deploy);
  const sqs = new SQSClient({});
  const sns = new SNSClient({});
  const ddb = new DynamoDBClient({});
  const topicArn = outputs.TopicArn as string;
  const queueUrl = outputs.QueueUrl as string;
  const { url: noticesUrl } = await subscribeQueue({
    sns,
    sqs,
    topicArn,
    queueName: `${name}-notices`.slice(0, 80),
    filterPolicy: { eventType: ['OrderAccepted'] },
  });
  const functionName = outputs.ProcessorFunctionName as string;
  if (opts.functionTimeoutSeconds !== undefined) {
    const lambda = new LambdaClient({});
    await lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: functionName, Timeout: opts.functionTimeoutSeconds }),
    );
    await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 60 }, { FunctionName: functionName });
  }
  if (opts.retryAfterSeconds !== undefined) {
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: queueUrl,
        Attributes: { VisibilityTimeout: String(opts.retryAfterSeconds) },
      }),
    );
  }
  return {
    name: stackName,
    fifo,
    queueUrl,
    dlqUrl: outputs.DeadLetterQueueUrl as string,
    noticesUrl,
    ordersTable: outputs.OrdersTableName as string,
    idempotencyTable: outputs.IdempotencyTableName as string,
    conflictsTable: outputs.ConflictsTableName as string,
    rejectionsTable: outputs.RejectionsTableName as string,
    topicArn,
    functionName,
    sqs,
    ddb,
    async remove() {
      await sqs.send(new DeleteQueueCommand({ QueueUrl: noticesUrl })).catch(() => {});
      await destroyLocal(deploy);
    },
  };
}

export interface Outgoing {
  body: string;
  groupId?: string;
}

/** Sends messages in batches of 10 (FIFO messages get a unique deduplication id each). */
export async function sendAll(sqs: SQSClient, queueUrl: string, messages: Outgoing[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 10) {
    const chunk = messages.slice(i, i + 10);
    const res = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((m, j) => ({
          Id: String(j),
          MessageBody: m.body,
          ...(m.groupId ? { MessageGroupId: m.groupId, MessageDeduplicationId: `${i + j}-${Date.now()}` } : {}),
        })),
      }),
    );
    if (res.Failed?.length) throw new Error(`send failed: ${JSON.stringify(res.Failed)}`);
  }
}

// The queue drain the tests, the demo and the reliability project share.
export { drain } from '@samples/emulator/waiters';

export async function scanOrders(ddb: DynamoDBClient, table: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, never> | undefined;
  do {
    const page = await ddb.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) {
      items.push({ orderId: item.orderId?.S, storedAt: item.storedAt?.S, total: Number(item.total?.N) });
    }
    start = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (start);
  return items;
}

/** Every item of a table as plain objects. */
export async function scanItems(ddb: DynamoDBClient, table: string): Promise<Record<string, unknown>[]> {
  const docs = DynamoDBDocumentClient.from(ddb);
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await docs.send(
      new DocScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/**
 * Deletes every idempotency record: what DynamoDB's TTL does once the records' window (1 h by
 * default) is over, so a test can redeliver "after the window" without waiting for it.
 */
export async function expireIdempotencyRecords(ddb: DynamoDBClient, table: string): Promise<number> {
  const page = await ddb.send(new ScanCommand({ TableName: table, ConsistentRead: true }));
  for (const item of page.Items ?? []) {
    await ddb.send(new DeleteItemCommand({ TableName: table, Key: { id: item.id! } }));
  }
  return page.Items?.length ?? 0;
}

/** The order ids of the SNS notices observed on an SQS subscription. */
export function noticeOrderIds(messages: Message[]): string[] {
  return messages.map((m) => (JSON.parse(JSON.parse(m.Body!).Message) as { orderId: string }).orderId);
}

export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const a = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(a.Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(a.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

let seq = 0;
/** A valid order with a deterministic spread of totals across the bands. */
export function makeOrder(orderId: string, i = seq++) {
  return {
    orderId,
    customer: { id: `c-${i % 17}`, email: `c${i % 17}@example.com` },
    currency: 'EUR',
    items: [
      { sku: `SKU-${i % 9}`, quantity: 1 + (i % 4), unitPrice: 250 * ((i % 7) + 1) },
      { sku: 'SKU-X', quantity: 1, unitPrice: (i % 3) * 40_000 },
    ],
    createdAt: new Date(Date.UTC(2026, 10, 22, 10, 0, i % 60)).toISOString(),
  };
}
