import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

/**
 * Benchmark baseline: the same conditional PutItem and Publish per record with the raw SDK and
 * no Powertools, no zod, no idempotency records (so duplicates after a failed publish would be
 * announced twice). Not for use as a workload.
 */
// Exported so the benchmark can count each client's round trips.
export const ddbClient = new DynamoDBClient({});
export const sns = new SNSClient({});
const ddb = DynamoDBDocumentClient.from(ddbClient);

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const results = await Promise.allSettled(
    event.Records.map(async (record) => {
      const order = JSON.parse(record.body) as {
        orderId: string;
        currency: string;
        customer: { id: string };
        items: { quantity: number; unitPrice: number }[];
      };
      const total = order.items.reduce((sum, i) => sum + i.quantity * i.unitPrice, 0);
      const totalBand = total < 10_000 ? 'small' : total < 100_000 ? 'medium' : 'large';
      try {
        await ddb.send(
          new PutCommand({
            TableName: process.env.ORDERS_TABLE,
            Item: { ...order, total, totalBand, storedAt: new Date().toISOString() },
            ConditionExpression: 'attribute_not_exists(orderId)',
          }),
        );
      } catch (err) {
        if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
      }
      await sns.send(
        new PublishCommand({
          TopicArn: process.env.TOPIC_ARN,
          Message: JSON.stringify({ eventType: 'OrderAccepted', orderId: order.orderId, total }),
          MessageAttributes: {
            eventType: { DataType: 'String', StringValue: 'OrderAccepted' },
            totalBand: { DataType: 'String', StringValue: totalBand },
            currency: { DataType: 'String', StringValue: order.currency },
          },
        }),
      );
    }),
  );
  return {
    batchItemFailures: results.flatMap((r, i) =>
      r.status === 'rejected' ? [{ itemIdentifier: event.Records[i]!.messageId }] : [],
    ),
  };
}
