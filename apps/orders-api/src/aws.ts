// SPDX-License-Identifier: MIT-0
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Backend } from './app.ts';
import type { Config } from './config.ts';
import type { Records } from './state.ts';

// Module scope: one connection pool per process. Region and endpoint come from AWS_REGION /
// AWS_ENDPOINT_URL (or the task role's defaults). Short timeouts: a client waiting on a
// stalled queue gets a 503 and retries, rather than hanging until the ALB gives up.
const requestHandler = { connectionTimeout: 1_000, requestTimeout: 3_000 };
const sqs = new SQSClient({ requestHandler, maxAttempts: 2 });
const docs = DynamoDBDocumentClient.from(new DynamoDBClient({ requestHandler, maxAttempts: 2 }));

const isConditionFailure = (err: unknown) => err instanceof Error && err.name === 'ConditionalCheckFailedException';

export function awsBackend(config: Config): Backend {
  const fifo = config.ORDERS_QUEUE_URL.endsWith('.fifo');
  return {
    async claim(claim) {
      try {
        await docs.send(
          new PutCommand({
            TableName: config.REQUESTS_TABLE,
            Item: claim,
            ConditionExpression: 'attribute_not_exists(orderId)',
          }),
        );
        return { created: true };
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
      const { Item } = await docs.send(
        new GetCommand({ TableName: config.REQUESTS_TABLE, Key: { orderId: claim.orderId }, ConsistentRead: true }),
      );
      // Released between the two calls (its send failed): this request's claim is as good.
      if (!Item) return this.claim(claim);
      return { created: false, existing: { requestHash: Item.requestHash, createdAt: Item.createdAt } };
    },
    async release(orderId) {
      await docs.send(new DeleteCommand({ TableName: config.REQUESTS_TABLE, Key: { orderId } }));
    },
    async enqueue(order) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: config.ORDERS_QUEUE_URL,
          MessageBody: JSON.stringify(order),
          // FIFO: one customer's orders in the order they were taken; the order id (one per
          // customer and Idempotency-Key) deduplicates a retried send within SQS's 5 minutes.
          ...(fifo ? { MessageGroupId: order.customer.id, MessageDeduplicationId: order.orderId } : {}),
        }),
      );
    },
    async records(orderId): Promise<Records> {
      const get = (table: string, fields: string[]) =>
        docs
          .send(
            new GetCommand({
              TableName: table,
              Key: { orderId },
              ConsistentRead: true,
              // Only what the public view shows: never the customer fields of a stored order.
              ProjectionExpression: fields.map((_, i) => `#f${i}`).join(', '),
              // Names, not words: TOTAL is one of DynamoDB's reserved words.
              ExpressionAttributeNames: Object.fromEntries(fields.map((f, i) => [`#f${i}`, f])),
            }),
          )
          .then((r) => r.Item);
      const [request, stored, rejection] = await Promise.all([
        get(config.REQUESTS_TABLE, ['orderId', 'createdAt']),
        get(config.ORDERS_TABLE, ['orderId', 'total', 'currency', 'storedAt']),
        get(config.REJECTIONS_TABLE, ['orderId', 'reason', 'rejectedAt']),
      ]);
      return { request, stored, rejection } as Records;
    },
  };
}
