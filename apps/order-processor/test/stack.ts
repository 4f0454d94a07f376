import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DynamoDBClient,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateEventSourceMappingCommand, DeleteEventSourceMappingCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateTopicCommand, DeleteTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { ScanCommand as DocScanCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { bundleLambda } from '@samples/build';
import { deleteFunction, deployFunction, subscribeQueue } from '@samples/emulator/deploy';

/** Test, demo and benchmark tooling: the order processor deployed with its queues, tables and topic. */
export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface Stack {
  name: string;
  queueUrl: string;
  dlqUrl: string;
  fifoQueueUrl: string;
  fifoDlqUrl: string;
  noticesUrl: string;
  ordersTable: string;
  idempotencyTable: string;
  conflictsTable: string;
  topicArn: string;
  sqs: SQSClient;
  ddb: DynamoDBClient;
  remove(): Promise<void>;
}

async function queueArn(sqs: SQSClient, url: string): Promise<string> {
  const a = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  const arn = a.Attributes?.QueueArn;
  if (!arn) throw new Error(`no ARN for ${url}`);
  return arn;
}

async function queueWithDlq(sqs: SQSClient, name: string, fifo: boolean) {
  const suffix = fifo ? '.fifo' : '';
  const fifoAttrs: Record<string, string> = fifo ? { FifoQueue: 'true' } : {};
  const dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq${suffix}`, Attributes: fifoAttrs })))
    .QueueUrl!;
  const dlqArn = await queueArn(sqs, dlqUrl);
  const queueUrl = (
    await sqs.send(
      new CreateQueueCommand({
        QueueName: `${name}${suffix}`,
        Attributes: {
          ...fifoAttrs,
          VisibilityTimeout: '4',
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }),
        },
      }),
    )
  ).QueueUrl!;
  return { queueUrl, dlqUrl, queueArn: await queueArn(sqs, queueUrl) };
}

/** The handler's three tables, shaped as in infra/stack.ts: orders, idempotency records, conflicts. */
export async function createTables(ddb: DynamoDBClient, name: string) {
  const tables = {
    ordersTable: `${name}-orders`,
    idempotencyTable: `${name}-idempotency`,
    conflictsTable: `${name}-conflicts`,
  };
  for (const [table, ...keys] of [
    [tables.ordersTable, 'orderId'],
    [tables.idempotencyTable, 'id'],
    [tables.conflictsTable, 'orderId', 'contentHash'],
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

export async function deployStack(name: string, opts: { entry?: string; memoryMb?: number } = {}): Promise<Stack> {
  const sqs = new SQSClient({});
  const sns = new SNSClient({});
  const ddb = new DynamoDBClient({});
  const lambda = new LambdaClient({});
  const { ordersTable, idempotencyTable, conflictsTable } = await createTables(ddb, name);
  const topicArn = (await sns.send(new CreateTopicCommand({ Name: `${name}-notices` }))).TopicArn!;
  const { url: noticesUrl } = await subscribeQueue({
    sns,
    sqs,
    topicArn,
    queueName: `${name}-notices-observer`,
    filterPolicy: { eventType: ['OrderAccepted'] },
  });
  const standard = await queueWithDlq(sqs, name, false);
  const fifo = await queueWithDlq(sqs, name, true);

  const bundle = await bundleLambda({
    entry: opts.entry ?? join(PACKAGE_DIR, 'src', 'handler.ts'),
    outdir: join(PACKAGE_DIR, 'dist', name),
  });
  await deployFunction({
    name,
    zip: bundle.zip,
    memoryMb: opts.memoryMb ?? 512,
    timeoutSeconds: 30,
    environment: {
      ORDERS_TABLE: ordersTable,
      IDEMPOTENCY_TABLE: idempotencyTable,
      CONFLICTS_TABLE: conflictsTable,
      TOPIC_ARN: topicArn,
      POWERTOOLS_SERVICE_NAME: 'order-processor',
      POWERTOOLS_LOG_LEVEL: 'WARN',
    },
    statements: [
      {
        Effect: 'Allow',
        Action: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Resource: [`arn:aws:dynamodb:*:*:table/${ordersTable}`],
      },
      { Effect: 'Allow', Action: ['dynamodb:PutItem'], Resource: [`arn:aws:dynamodb:*:*:table/${conflictsTable}`] },
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        Resource: [`arn:aws:dynamodb:*:*:table/${idempotencyTable}`],
      },
      { Effect: 'Allow', Action: ['sns:Publish'], Resource: [topicArn] },
      {
        Effect: 'Allow',
        Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
        Resource: [standard.queueArn, fifo.queueArn],
      },
    ],
  });
  const mappings: string[] = [];
  for (const arn of [standard.queueArn, fifo.queueArn]) {
    const m = await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: name,
        EventSourceArn: arn,
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      }),
    );
    mappings.push(m.UUID!);
  }
  return {
    name,
    queueUrl: standard.queueUrl,
    dlqUrl: standard.dlqUrl,
    fifoQueueUrl: fifo.queueUrl,
    fifoDlqUrl: fifo.dlqUrl,
    noticesUrl,
    ordersTable,
    idempotencyTable,
    conflictsTable,
    topicArn,
    sqs,
    ddb,
    async remove() {
      for (const uuid of mappings)
        await lambda.send(new DeleteEventSourceMappingCommand({ UUID: uuid })).catch(() => {});
      await deleteFunction(name);
      for (const url of [standard.queueUrl, standard.dlqUrl, fifo.queueUrl, fifo.dlqUrl, noticesUrl]) {
        await sqs.send(new DeleteQueueCommand({ QueueUrl: url })).catch(() => {});
      }
      await sns.send(new DeleteTopicCommand({ TopicArn: topicArn })).catch(() => {});
      for (const t of [ordersTable, idempotencyTable, conflictsTable])
        await ddb.send(new DeleteTableCommand({ TableName: t })).catch(() => {});
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
        Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
}

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
