import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { subscribeQueue } from '@samples/emulator/deploy';
import { emulator, uniqueName } from '@samples/emulator/testing';
import { waitFor } from '@samples/emulator/waiters';
import { beforeAll, expect, it } from 'vitest';
import { lambdaContext as context, sqsEvent } from './events.ts';
import { processorFor } from './processor.ts';
import { createTables, drain, makeOrder, scanOrders } from './stack.ts';

// The handler in-process against the emulator's DynamoDB and SNS. SNS cannot be made to fail
// on demand, so the SNS client fails its first publish once (the only stand-in here); the
// retry of that record must neither write nor notify twice.
let ddb: DynamoDBClient;
let sqs: SQSClient;
let tables: Awaited<ReturnType<typeof createTables>>;
let topicArn: string;
let observerUrl: string;

beforeAll(async () => {
  emulator();
  ddb = new DynamoDBClient({});
  sqs = new SQSClient({});
  const sns = new SNSClient({});
  const name = uniqueName('order-retry');
  tables = await createTables(ddb, name);
  topicArn = (await sns.send(new CreateTopicCommand({ Name: `${name}-notices` }))).TopicArn!;
  observerUrl = (await subscribeQueue({ sns, sqs, topicArn, queueName: `${name}-observer` })).url;
});

it('retries only the record whose publish failed, without a second write or notice', async () => {
  const sns = new SNSClient({});
  const realSend = sns.send.bind(sns);
  let failures = 0;
  sns.send = (async (command: Parameters<typeof realSend>[0]) => {
    const body = JSON.parse((command.input as { Message: string }).Message) as { orderId: string };
    if (body.orderId === 'retry-2' && failures === 0) {
      failures++;
      throw Object.assign(new Error('SNS unavailable'), { name: 'InternalErrorException' });
    }
    return realSend(command);
  }) as typeof sns.send;
  const handler = processorFor({ ddb, sns, config: { ...tables, topicArn } });
  const orders = ['retry-1', 'retry-2', 'retry-3'].map((id) => makeOrder(id));
  const first = await handler(sqsEvent(orders.map((o, i) => [`m${i}`, JSON.stringify(o)])), context);
  expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
  expect((await scanOrders(ddb, tables.ordersTable)).map((o) => o.orderId).sort()).toEqual([
    'retry-1',
    'retry-2',
    'retry-3',
  ]);

  // Redelivery of the failed record, plus a duplicate of a finished one under a new message id.
  const second = await handler(
    sqsEvent([
      ['m1', JSON.stringify(orders[1])],
      ['m9', JSON.stringify(orders[0])],
    ]),
    context,
  );
  expect(second.batchItemFailures).toEqual([]);
  expect(failures).toBe(1);

  const notices = await waitFor(
    'three notices',
    async () => {
      const got = await drain(sqs, observerUrl);
      return got.length >= 3 ? got : undefined;
    },
    { timeoutMs: 20_000 },
  );
  await new Promise((r) => setTimeout(r, 1000));
  notices.push(...(await drain(sqs, observerUrl)));
  const ids = notices.map((m) => (JSON.parse(JSON.parse(m.Body!).Message) as { orderId: string }).orderId).sort();
  expect(ids).toEqual(['retry-1', 'retry-2', 'retry-3']);
  const stored = await scanOrders(ddb, tables.ordersTable);
  expect(stored).toHaveLength(3);
});
