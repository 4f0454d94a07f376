import type { Context, SQSEvent } from 'aws-lambda';

/** An SQS event as the event source mapping delivers it, one record per [messageId, body]. */
export function sqsEvent(bodies: [string, string][], receiveCount = 1): SQSEvent {
  return {
    Records: bodies.map(([messageId, body]) => ({
      messageId,
      receiptHandle: messageId,
      body,
      attributes: {
        ApproximateReceiveCount: String(receiveCount),
        SentTimestamp: '0',
        SenderId: 'test',
        ApproximateFirstReceiveTimestamp: '0',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:orders',
      awsRegion: 'us-east-1',
    })),
  };
}

export const lambdaContext = {
  functionName: 'order-processor',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;
