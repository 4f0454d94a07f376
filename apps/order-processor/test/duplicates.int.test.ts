import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { type Message, SQSClient } from '@aws-sdk/client-sqs';
import { subscribeQueue } from '@samples/emulator/deploy';
import { emulator, uniqueName } from '@samples/emulator/testing';
import { waitFor } from '@samples/emulator/waiters';
import { captureLogs } from '@samples/test-support/logs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { lambdaContext, sqsEvent } from './events.ts';
import { processorFor } from './processor.ts';
import { createTables, drain, expireIdempotencyRecords, makeOrder, noticeOrderIds, scanItems } from './stack.ts';

// The handler in-process against the emulator's DynamoDB and SNS: duplicates and conflicting
// versions of an order, inside the idempotency window and after it (the idempotency records
// deleted, as their TTL does once the window is over).
let ddb: DynamoDBClient;
let sqs: SQSClient;
let sns: SNSClient;
let tables: Awaited<ReturnType<typeof createTables>>;
let topicArn: string;
let observerUrl: string;

beforeAll(async () => {
  emulator();
  ddb = new DynamoDBClient({});
  sqs = new SQSClient({});
  sns = new SNSClient({});
  const name = uniqueName('order-dups');
  tables = await createTables(ddb, name);
  topicArn = (await sns.send(new CreateTopicCommand({ Name: `${name}-notices` }))).TopicArn!;
  observerUrl = (await subscribeQueue({ sns, sqs, topicArn, queueName: `${name}-observer` })).url;
});

function handlerWith(logger = new Logger({ serviceName: 'order-processor', logLevel: 'WARN' })) {
  return processorFor({ ddb, sns, config: { ...tables, topicArn }, logger });
}

/** All notices published so far: waits for `atLeast`, then a moment more for any late extra one. */
async function notices(atLeast: number): Promise<Message[]> {
  const got: Message[] = [];
  await waitFor(
    `${atLeast} notice(s)`,
    async () => {
      got.push(...(await drain(sqs, observerUrl)));
      return got.length >= atLeast ? true : undefined;
    },
    { timeoutMs: 20_000 },
  );
  await new Promise((r) => setTimeout(r, 1500));
  got.push(...(await drain(sqs, observerUrl)));
  return got;
}

async function storedOrder(orderId: string) {
  return (await scanItems(ddb, tables.ordersTable)).find((i) => i.orderId === orderId);
}

/** A DynamoDB client that records each call it makes, as "Operation table". */
function countingDdb(): { client: DynamoDBClient; calls: string[] } {
  const client = new DynamoDBClient({});
  const calls: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const table = (args.input as { TableName?: string }).TableName;
      const name = table === tables.ordersTable ? 'orders' : table === tables.idempotencyTable ? 'idempotency' : table;
      calls.push(`${(context.commandName ?? '?').replace(/Command$/, '')} ${name}`);
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
  return { client, calls };
}

describe('the DynamoDB round trips of one order', () => {
  it('a new order: claim, store, mark announced, complete; a late duplicate: no read of the stored order', async () => {
    const { client, calls } = countingDdb();
    const handler = processorFor({ ddb: client, sns, config: { ...tables, topicArn } });
    const order = makeOrder('trips-1');
    expect((await handler(sqsEvent([['t1', JSON.stringify(order)]]), lambdaContext)).batchItemFailures).toEqual([]);
    expect(calls.splice(0)).toEqual([
      'PutItem idempotency',
      'PutItem orders',
      'UpdateItem orders',
      'UpdateItem idempotency',
    ]);
    expect(noticeOrderIds(await notices(1))).toEqual(['trips-1']);

    // After the idempotency window: the failed condition of the store returns the stored order
    // (ReturnValuesOnConditionCheckFailure), so no GetItem follows it.
    await expireIdempotencyRecords(ddb, tables.idempotencyTable);
    expect((await handler(sqsEvent([['t2', JSON.stringify(order)]]), lambdaContext)).batchItemFailures).toEqual([]);
    expect(calls.splice(0)).toEqual(['PutItem idempotency', 'PutItem orders', 'UpdateItem idempotency']);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await drain(sqs, observerUrl)).toEqual([]);
  });
});

describe('an order', () => {
  it('is announced once although its duplicate arrives after the idempotency window', async () => {
    const handler = handlerWith();
    const order = makeOrder('late-1');
    let first = { batchItemFailures: [] as unknown[] };
    const firstLogs = await captureLogs(async () => {
      first = await handler(sqsEvent([['m1', JSON.stringify(order)]]), lambdaContext);
    });
    expect(first.batchItemFailures).toEqual([]);
    expect(noticeOrderIds(await notices(1))).toEqual(['late-1']);
    const before = await storedOrder('late-1');

    // Within the window, the same order written with an offset is the same order: a duplicate.
    const offset = new Date(Date.parse(order.createdAt) + 3_600_000).toISOString().replace('Z', '+01:00');
    let same = { batchItemFailures: [] as unknown[] };
    const sameLogs = await captureLogs(async () => {
      same = await handler(sqsEvent([['m1b', JSON.stringify({ ...order, createdAt: offset })]]), lambdaContext);
    });
    expect(same.batchItemFailures).toEqual([]);
    // Counted as CloudWatch metrics (embedded metric format): stored once, then a duplicate
    // answered from the idempotency record.
    const emf = (logs: Record<string, unknown>[]) =>
      logs.find(
        (l) =>
          (l._aws as { CloudWatchMetrics?: { Namespace: string }[] })?.CloudWatchMetrics?.[0]?.Namespace ===
            'OrderProcessor' && l.ColdStart === undefined,
      );
    expect(emf(firstLogs)).toMatchObject({ OrdersStored: 1 });
    expect(emf(firstLogs)?.OrdersDuplicate).toBeUndefined();
    expect(emf(sameLogs)).toMatchObject({ OrdersDuplicate: 1 });
    expect(emf(sameLogs)?.OrdersStored).toBeUndefined();

    expect(await expireIdempotencyRecords(ddb, tables.idempotencyTable)).toBeGreaterThan(0);
    const late = await handler(sqsEvent([['m2', JSON.stringify(order)]]), lambdaContext);
    expect(late.batchItemFailures).toEqual([]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await drain(sqs, observerUrl)).toEqual([]);
    expect(await storedOrder('late-1')).toEqual(before);
    expect((await scanItems(ddb, tables.conflictsTable)).filter((c) => c.orderId === 'late-1')).toEqual([]);
    // The stored order itself records that it was announced: that outlives the idempotency window.
    expect(before?.announcedAt).toEqual(expect.any(String));
  });

  it('with the same id but other content is a conflict: logged with both versions, parked, never stored or announced', async () => {
    const logger = new Logger({ serviceName: 'order-processor', logLevel: 'WARN' });
    const errors = vi.spyOn(logger, 'error');
    const handler = handlerWith(logger);
    const original = makeOrder('clash-1', 1);
    await handler(sqsEvent([['c1', JSON.stringify(original)]]), lambdaContext);
    expect(noticeOrderIds(await notices(1))).toEqual(['clash-1']);
    const stored = await storedOrder('clash-1');

    // Within the window: more of the first item. After it: another currency.
    const withinWindow = { ...original, items: [{ ...original.items[0]!, quantity: 7 }, original.items[1]!] };
    const afterWindow = { ...original, currency: 'USD' };
    const within = await handler(sqsEvent([['c2', JSON.stringify(withinWindow)]]), lambdaContext);
    await expireIdempotencyRecords(ddb, tables.idempotencyTable);
    const after = await handler(sqsEvent([['c3', JSON.stringify(afterWindow)]]), lambdaContext);

    // Parked durably, so the messages are done with; the stored order is untouched.
    expect(within.batchItemFailures).toEqual([]);
    expect(after.batchItemFailures).toEqual([]);
    expect(await storedOrder('clash-1')).toEqual(stored);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await drain(sqs, observerUrl)).toEqual([]);

    const parked = (await scanItems(ddb, tables.conflictsTable)).filter((c) => c.orderId === 'clash-1');
    expect(parked.map((c) => c.messageId).sort()).toEqual(['c2', 'c3']);
    for (const [messageId, incoming] of [
      ['c2', withinWindow],
      ['c3', afterWindow],
    ] as const) {
      const conflict = parked.find((c) => c.messageId === messageId);
      expect(conflict).toMatchObject({
        incoming,
        stored: { orderId: 'clash-1', currency: original.currency, items: original.items, total: stored?.total },
        storedContentHash: stored?.contentHash,
      });
      expect(conflict?.contentHash).not.toBe(stored?.contentHash);
      expect(errors).toHaveBeenCalledWith(
        'order conflict parked',
        expect.objectContaining({ messageId, orderId: 'clash-1', incoming, stored: conflict?.stored }),
      );
    }
  });

  it('parks the same conflicting message once however often it is redelivered', async () => {
    const handler = handlerWith();
    const original = makeOrder('clash-2', 2);
    await handler(sqsEvent([['d1', JSON.stringify(original)]]), lambdaContext);
    await notices(1);
    const other = JSON.stringify({ ...original, customer: { ...original.customer, id: 'c-other' } });
    await handler(sqsEvent([['d2', other]]), lambdaContext);
    await expireIdempotencyRecords(ddb, tables.idempotencyTable);
    const again = await handler(sqsEvent([['d2', other]], 2), lambdaContext);
    expect(again.batchItemFailures).toEqual([]);
    const parked = (await scanItems(ddb, tables.conflictsTable)).filter((c) => c.orderId === 'clash-2');
    expect(parked).toHaveLength(1);
    expect(parked[0]).toMatchObject({ messageId: 'd2', receiveCount: 1 });
  });
});
