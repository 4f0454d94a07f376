import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { subscribeQueue } from '@samples/emulator/deploy';
import { emulator, uniqueName } from '@samples/emulator/testing';
import { waitFor } from '@samples/emulator/waiters';
import { beforeAll, describe, expect, it } from 'vitest';
import { lambdaContext as context, sqsEvent } from './events.ts';
import { processorFor } from './processor.ts';
import { createTables, drain, scanItems } from './stack.ts';

// Where an order meets AWS's limits: SQS takes messages up to 1 MiB, a DynamoDB item holds
// 400 KB and an SNS message 256 KiB. The handler in-process against the emulator, through the
// harness proxy; the order comes from a real queue.
const DYNAMODB_ITEM_BYTES = 400 * 1024;

let ddb: DynamoDBClient;
let sqs: SQSClient;
let tables: Awaited<ReturnType<typeof createTables>>;
let topicArn: string;
let queueUrl: string;
let observerUrl: string;

beforeAll(async () => {
  emulator();
  ddb = new DynamoDBClient({});
  sqs = new SQSClient({});
  const sns = new SNSClient({});
  const name = uniqueName('order-limits');
  tables = await createTables(ddb, name);
  topicArn = (await sns.send(new CreateTopicCommand({ Name: `${name}-notices` }))).TopicArn!;
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${name}-orders` }))).QueueUrl!;
  observerUrl = (await subscribeQueue({ sns, sqs, topicArn, queueName: `${name}-observer` })).url;
});

/** The order ids announced so far, once `orderId` is among them. */
const announced: string[] = [];
async function announcedOnce(orderId: string): Promise<string[]> {
  return waitFor(`the notice of ${orderId}`, async () => {
    for (const m of await drain(sqs, observerUrl)) announced.push(JSON.parse(JSON.parse(m.Body!).Message).orderId);
    return announced.includes(orderId) ? announced : undefined;
  });
}

/** Sends a body through SQS and returns it as the event source mapping would deliver it. */
async function throughSqs(body: string): Promise<string> {
  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
  const got = await waitFor('the order on the queue', async () => {
    const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1 }));
    return r.Messages?.[0];
  });
  await drain(sqs, queueUrl);
  return got.Body!;
}

const largest = (orderId: string, email: string) => ({
  orderId,
  customer: { id: 'c'.repeat(64), email },
  currency: 'EUR',
  items: Array.from({ length: 100 }, (_, i) => ({
    sku: `SKU-${String(i).padStart(28, '0')}`,
    quantity: 10_000,
    unitPrice: 1_000_000,
  })),
  createdAt: '2026-11-22T10:00:00.000+01:00',
});

describe('order-processor at the limits of SQS, DynamoDB and SNS', () => {
  it('the largest order the schema accepts is stored and announced', async () => {
    const handler = processorFor({ ddb, sns: new SNSClient({}), config: { ...tables, topicArn } });
    const order = largest('biggest-valid', `${'a'.repeat(64)}@${'b'.repeat(185)}.com`);
    const body = await throughSqs(JSON.stringify(order));
    const res = await handler(sqsEvent([['m-big', body]]), context);
    expect(res.batchItemFailures).toEqual([]);
    expect((await scanItems(ddb, tables.ordersTable)).map((o) => o.orderId)).toContain('biggest-valid');
    expect(await announcedOnce('biggest-valid')).toContain('biggest-valid');
  });

  it('an order SQS accepts but no DynamoDB item can hold fails as invalid, stores and announces nothing', async () => {
    // A valid-looking address longer than any item: SQS takes it (under 1 MiB), DynamoDB could not.
    const order = largest('too-big', `${'a'.repeat(DYNAMODB_ITEM_BYTES)}@example.com`);
    const body = await throughSqs(JSON.stringify(order));
    expect(Buffer.byteLength(body)).toBeGreaterThan(DYNAMODB_ITEM_BYTES);
    const errors: { message: string; reason: string }[] = [];
    const logger = {
      error: (message: string, extra: { reason: string }) => errors.push({ message, reason: extra.reason }),
      info() {},
      warn() {},
      addContext() {},
    };
    const handler = processorFor({
      ddb,
      sns: new SNSClient({}),
      config: { ...tables, topicArn },
      logger: logger as never,
    });
    const companion = JSON.stringify(largest('next-to-too-big', 'c@example.com'));
    const res = await handler(
      sqsEvent([
        ['m-too-big', body],
        ['m-next', companion],
      ]),
      context,
    );
    // Reported back, so SQS redelivers it and its redrive policy parks it in the DLQ: nothing is
    // lost. Rejected as invalid input, saying why, not as a failed write it would retry in vain.
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: 'm-too-big' }]);
    expect(errors).toEqual([{ message: 'invalid order rejected', reason: expect.stringMatching(/customer\.email/) }]);
    const ids = (await scanItems(ddb, tables.ordersTable)).map((o) => o.orderId);
    expect(ids).toContain('next-to-too-big');
    expect(ids).not.toContain('too-big');
    // Its companion's notice arrives; by then any notice of the rejected order would have too.
    const notices = await announcedOnce('next-to-too-big');
    expect(notices).not.toContain('too-big');
  });
});
