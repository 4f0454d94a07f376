import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { emulator, uniqueName } from '@samples/emulator/testing';
import { waitForMessages } from '@samples/emulator/waiters';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../src/app.ts';
import { readConfig } from '../src/config.ts';
import { createRequestsTable } from './api.ts';

// src/aws.ts in-process against the emulator's SQS and DynamoDB: the FIFO send (the storefront
// e2e runs on the standard queue) and the key claim's three outcomes.
let sqs: SQSClient;
let backend: Backend;
let queueUrl: string;

beforeAll(async () => {
  emulator();
  sqs = new SQSClient({});
  const name = uniqueName('orders-api-backend');
  queueUrl = (
    await sqs.send(
      new CreateQueueCommand({
        QueueName: `${name}.fifo`,
        Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'false' },
      }),
    )
  ).QueueUrl as string;
  const requests = await createRequestsTable(new DynamoDBClient({}), `${name}-requests`);
  // Imported only now: its clients are built at module load and must see the emulator's environment.
  const { awsBackend } = await import('../src/aws.ts');
  backend = awsBackend(
    readConfig({ ORDERS_QUEUE_URL: queueUrl, ORDERS_TABLE: 'o-x', REJECTIONS_TABLE: 'r-x', REQUESTS_TABLE: requests }),
  );
});

const order = (orderId: string) => ({
  orderId,
  customer: { id: 'c-1', email: 'c1@example.com' },
  currency: 'EUR',
  items: [{ sku: 'SKU-1', quantity: 1, unitPrice: 100 }],
  createdAt: '2026-12-03T12:00:00.000Z',
});

describe('the AWS backend', () => {
  it('sends to a FIFO queue in the customer group, deduplicated on the order id', async () => {
    await backend.enqueue(order('ord_fifo1'));
    await backend.enqueue(order('ord_fifo1'));
    await backend.enqueue(order('ord_fifo2'));
    const got = await waitForMessages(sqs, queueUrl, 2, { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 1000));
    expect(got.map((m) => JSON.parse(m.Body as string).orderId)).toEqual(['ord_fifo1', 'ord_fifo2']);
    expect(got.map((m) => m.Attributes?.MessageGroupId)).toEqual(['c-1', 'c-1']);
    expect(got.map((m) => m.Attributes?.MessageDeduplicationId)).toEqual(['ord_fifo1', 'ord_fifo2']);
  });

  it('claims a key once, returns the first claim after, and claims it anew once released', async () => {
    const claim = { orderId: 'ord_claim', requestHash: 'h1', createdAt: '2026-12-03T12:00:00.000Z', expiresAt: 1 };
    expect(await backend.claim(claim)).toEqual({ created: true });
    expect(await backend.claim({ ...claim, requestHash: 'h2', createdAt: 'later' })).toEqual({
      created: false,
      existing: { requestHash: 'h1', createdAt: claim.createdAt },
    });
    await backend.release('ord_claim');
    expect(await backend.claim({ ...claim, requestHash: 'h3' })).toEqual({ created: true });
  });
});
