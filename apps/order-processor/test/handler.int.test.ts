import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { emulator, uniqueName } from '@samples/emulator/testing';
import { captureStderr, lambdaContext, lambdaRuntimeEnv } from '@samples/test-support/lambda';
import { captureLogs } from '@samples/test-support/logs';
import type { Context, SQSBatchResponse } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTables, scanItems } from './stack.ts';

const sample = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../events/${name}.json`, import.meta.url), 'utf8'));

const context = lambdaContext('order-processor');

const emf = (logs: Record<string, unknown>[], metric: string) => logs.find((l) => l[metric] !== undefined);

// src/handler.ts itself, in-process: the Middy chain (Parser, Tracer, Logger context, metrics
// flush) around the work, with the clients it makes at module scope pointed at the emulator.
describe('order-processor: the handler as Lambda runs it', () => {
  let handler: (event: unknown, context: Context) => Promise<SQSBatchResponse>;
  let ddb: DynamoDBClient;
  let ordersTable: string;

  beforeAll(async () => {
    emulator();
    ddb = new DynamoDBClient({});
    const name = uniqueName('order-handler');
    const tables = await createTables(ddb, name);
    ordersTable = tables.ordersTable;
    const topicArn = (await new SNSClient({}).send(new CreateTopicCommand({ Name: `${name}-notices` }))).TopicArn;
    Object.assign(process.env, {
      ORDERS_TABLE: tables.ordersTable,
      IDEMPOTENCY_TABLE: tables.idempotencyTable,
      CONFLICTS_TABLE: tables.conflictsTable,
      REJECTIONS_TABLE: tables.rejectionsTable,
      TOPIC_ARN: topicArn,
      ...lambdaRuntimeEnv(new URL('..', import.meta.url).pathname),
    });
    // The event is the test's to shape, malformed too: typed as what Lambda passes, unknown JSON.
    handler = (await import('../src/handler.ts')).handler as unknown as typeof handler;
  });

  it('stores the sample order, then answers the FIFO sample of the same order as a duplicate', async () => {
    const stderr = captureStderr();
    let first: SQSBatchResponse | undefined;
    const firstLogs = await captureLogs(async () => {
      first = await handler(sample('sqs-order'), context);
    });
    expect(first).toEqual({ batchItemFailures: [] });
    expect((await scanItems(ddb, ordersTable)).map((o) => o.orderId)).toEqual(['o-1001']);
    expect(firstLogs.find((l) => l.message === 'order processed')).toMatchObject({
      outcome: 'stored',
      function_request_id: 'req-handler-1',
      cold_start: true,
    });
    expect(emf(firstLogs, 'OrdersStored')).toMatchObject({ OrdersStored: 1 });
    expect(emf(firstLogs, 'ColdStart')).toMatchObject({ ColdStart: 1 });

    let again: SQSBatchResponse | undefined;
    const againLogs = await captureLogs(async () => {
      again = await handler(sample('sqs-fifo-order'), context);
    });
    expect(again).toEqual({ batchItemFailures: [] });
    expect(emf(againLogs, 'OrdersDuplicate')).toMatchObject({ OrdersDuplicate: 1 });
    expect(emf(againLogs, 'ColdStart')).toBeUndefined();
    // No error logged, and nothing from the X-Ray SDK without a daemon.
    expect([...firstLogs, ...againLogs].filter((l) => l.level === 'ERROR')).toEqual([]);
    expect(stderr.stop()).toEqual([]);
  });

  it('refuses an event that is not what SQS sends, naming the field, before touching any record', async () => {
    const event = sample('sqs-order') as { Records: Record<string, unknown>[] };
    const { md5OfBody: _, ...record } = event.Records[0] ?? {};
    await expect(handler({ Records: [{ ...record, messageId: 'not-sqs' }] }, context)).rejects.toMatchObject({
      name: 'ParseError',
      cause: [expect.objectContaining({ path: ['Records', 0, 'md5OfBody'] })],
    });
  });
});
