import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { emulator, uniqueName } from '@samples/emulator/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { lambdaContext, sqsEvent } from './events.ts';
import { processorFor } from './processor.ts';
import { createTables, makeOrder, scanItems } from './stack.ts';

// The handler in-process against the emulator's DynamoDB: an invalid order whose id can be read
// is recorded with its reason in the rejections table (what the orders API shows as "rejected"),
// and still fails its record so the redrive parks the message in the DLQ.
let ddb: DynamoDBClient;
let handler: ReturnType<typeof processorFor>;
let tables: Awaited<ReturnType<typeof createTables>>;

beforeAll(async () => {
  emulator();
  ddb = new DynamoDBClient({});
  const sns = new SNSClient({});
  const name = uniqueName('order-rejections');
  tables = await createTables(ddb, name);
  const topicArn = (await sns.send(new CreateTopicCommand({ Name: `${name}-notices` }))).TopicArn!;
  const logger = new Logger({ serviceName: 'order-processor', logLevel: 'CRITICAL' });
  handler = processorFor({ ddb, sns, config: { ...tables, topicArn }, logger });
});

describe('an invalid order', () => {
  it('is recorded with its reason once, and its record still fails', async () => {
    const overflow = makeOrder('reject-1');
    overflow.items = [{ sku: 'SKU-BIG', quantity: 10_000, unitPrice: Number.MAX_SAFE_INTEGER }];
    const badCurrency = { ...makeOrder('reject-2'), currency: 'EURO' };
    const event = sqsEvent([
      ['m-1', JSON.stringify(overflow)],
      ['m-2', JSON.stringify(badCurrency)],
      ['m-3', '{"orderId": "../x", "currency": 1}'],
      ['m-4', 'not json'],
      // A whole batch failing is thrown as one error, not answered with item failures.
      ['m-5', JSON.stringify(makeOrder('accept-1'))],
    ]);
    const first = await handler(event, lambdaContext);
    const again = await handler(
      sqsEvent(
        [
          ['m-1b', JSON.stringify(overflow)],
          ['m-6', JSON.stringify(makeOrder('accept-2'))],
        ],
        2,
      ),
      lambdaContext,
    );
    expect(first.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['m-1', 'm-2', 'm-3', 'm-4']);
    expect(again.batchItemFailures).toEqual([{ itemIdentifier: 'm-1b' }]);

    const rejections = await scanItems(ddb, tables.rejectionsTable);
    expect(rejections.sort((a, b) => String(a.orderId).localeCompare(String(b.orderId)))).toEqual([
      {
        orderId: 'reject-1',
        reason: 'order reject-1 total overflows',
        messageId: 'm-1',
        rejectedAt: expect.any(String),
      },
      {
        orderId: 'reject-2',
        reason: expect.stringMatching(/^order does not match the schema: currency: /),
        messageId: 'm-2',
        rejectedAt: expect.any(String),
      },
    ]);
    expect((await scanItems(ddb, tables.ordersTable)).map((o) => o.orderId).sort()).toEqual(['accept-1', 'accept-2']);
  });
});
