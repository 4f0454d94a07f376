import { createHash } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

/**
 * Benchmark baseline: the workload's guarantee written by hand with the raw SDK, in as few round
 * trips as it can be: no Powertools, no zod, no idempotency table. Each order is stored once
 * (conditional PutItem that also takes a lease on the order, the item stored before returned by
 * the failed condition), announced once (Publish, then the `announcedAt` mark that also ends the
 * lease), a duplicate answered from the returned item, a concurrent duplicate held back by the
 * live lease (its record fails and SQS redelivers it), a lapsed lease taken over by a conditional
 * UpdateItem, other content under a stored id parked in the conflicts table. New order: 2
 * DynamoDB calls and 1 SNS; duplicate: 1. Not for use as a workload: the validation is minimal.
 */
// Exported so the benchmark can count each client's round trips.
export const ddbClient = new DynamoDBClient({});
export const sns = new SNSClient({});
const ddb = DynamoDBDocumentClient.from(ddbClient);
const LEASE_MS = 60_000;

interface Order {
  orderId: string;
  currency: string;
  createdAt: string;
  customer: { id: string };
  items: { sku: string; quantity: number; unitPrice: number }[];
}
interface Stored extends Order {
  total: number;
  totalBand: string;
  contentHash: string;
  leaseUntil: number;
  announcedAt?: string;
}

const isConditionFailure = (err: unknown) => (err as Error).name === 'ConditionalCheckFailedException';

function parse(body: string): Order {
  const o = JSON.parse(body) as Order;
  if (typeof o?.orderId !== 'string' || !Array.isArray(o.items) || o.items.length === 0)
    throw new Error('invalid order');
  return o;
}

function hashOf({ orderId, customer, currency, items, createdAt }: Order): string {
  return createHash('sha256').update(JSON.stringify({ orderId, customer, currency, items, createdAt })).digest('hex');
}

async function announce(order: Stored, leaseUntil: number): Promise<void> {
  const published = await sns.send(
    new PublishCommand({
      TopicArn: process.env.TOPIC_ARN,
      Message: JSON.stringify({ eventType: 'OrderAccepted', orderId: order.orderId, total: order.total }),
      MessageAttributes: {
        eventType: { DataType: 'String', StringValue: 'OrderAccepted' },
        totalBand: { DataType: 'String', StringValue: order.totalBand },
        currency: { DataType: 'String', StringValue: order.currency },
      },
    }),
  );
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: process.env.ORDERS_TABLE,
        Key: { orderId: order.orderId },
        UpdateExpression: 'SET announcedAt = :at, noticeMessageId = :id REMOVE leaseUntil',
        ConditionExpression: 'attribute_not_exists(announcedAt) AND leaseUntil = :lease',
        ExpressionAttributeValues: {
          ':at': new Date().toISOString(),
          ':id': published.MessageId ?? 'unknown',
          ':lease': leaseUntil,
        },
      }),
    );
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
  }
}

async function processRecord(body: string, messageId: string): Promise<void> {
  const order = parse(body);
  const total = order.items.reduce((sum, i) => sum + i.quantity * i.unitPrice, 0);
  const totalBand = total < 10_000 ? 'small' : total < 100_000 ? 'medium' : 'large';
  const now = Date.now();
  const candidate: Stored = { ...order, total, totalBand, contentHash: hashOf(order), leaseUntil: now + LEASE_MS };
  let stored: Stored;
  try {
    await ddb.send(
      new PutCommand({
        TableName: process.env.ORDERS_TABLE,
        Item: { ...candidate, storedAt: new Date(now).toISOString() },
        ConditionExpression: 'attribute_not_exists(orderId)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return await announce(candidate, candidate.leaseUntil);
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
    stored = unmarshall((err as { Item?: never }).Item ?? {}) as Stored;
  }
  if (stored.contentHash !== candidate.contentHash) {
    await ddb
      .send(
        new PutCommand({
          TableName: process.env.CONFLICTS_TABLE,
          Item: { orderId: order.orderId, contentHash: candidate.contentHash, messageId, incoming: order, stored },
          ConditionExpression: 'attribute_not_exists(orderId)',
        }),
      )
      .catch((e: unknown) => {
        if (!isConditionFailure(e)) throw e;
      });
    return;
  }
  if (stored.announcedAt) return;
  if (stored.leaseUntil > now) throw new Error(`order ${order.orderId} is being processed by another delivery`);
  // The delivery that stored it failed before announcing: take its lapsed lease over.
  const leaseUntil = now + LEASE_MS;
  await ddb.send(
    new UpdateCommand({
      TableName: process.env.ORDERS_TABLE,
      Key: { orderId: order.orderId },
      UpdateExpression: 'SET leaseUntil = :new',
      ConditionExpression: 'attribute_not_exists(announcedAt) AND leaseUntil = :old',
      ExpressionAttributeValues: { ':new': leaseUntil, ':old': stored.leaseUntil },
    }),
  );
  await announce(stored, leaseUntil);
}

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const results = await Promise.allSettled(event.Records.map((r) => processRecord(r.body, r.messageId)));
  return {
    batchItemFailures: results.flatMap((r, i) =>
      r.status === 'rejected' ? [{ itemIdentifier: event.Records[i]!.messageId }] : [],
    ),
  };
}
