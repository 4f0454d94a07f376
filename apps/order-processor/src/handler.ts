import {
  BatchProcessor,
  EventType,
  processPartialResponse,
  SqsFifoPartialProcessorAsync,
} from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { InvalidOrderError, notice, type Order, parseOrder, toStoredOrder } from './order.ts';

export interface ProcessorDeps {
  ddb: DynamoDBClient;
  sns: SNSClient;
  ordersTable: string;
  idempotencyTable: string;
  topicArn: string;
  logger?: Logger;
  now?: () => Date;
}

export interface ProcessedOrder {
  orderId: string;
  total: number;
  stored: 'created' | 'existing';
}

/**
 * Builds the SQS batch handler. Each record is parsed and validated, then processed once per
 * order id: a conditional PutItem stores it, an SNS publish announces it. The idempotency record
 * (keyed on the order id) is written only after both succeed, so a redelivered duplicate is
 * answered from it; a retry after a failed publish finds the item already stored and only publishes.
 */
export function createHandler(deps: ProcessorDeps) {
  const logger = deps.logger ?? new Logger({ serviceName: 'order-processor' });
  const now = deps.now ?? (() => new Date());
  const docs = DynamoDBDocumentClient.from(deps.ddb);
  const persistenceStore = new DynamoDBPersistenceLayer({ tableName: deps.idempotencyTable, awsSdkV3Client: deps.ddb });
  const idempotencyConfig = new IdempotencyConfig({ eventKeyJmesPath: 'orderId' });

  const storeAndNotify = async (order: Order): Promise<ProcessedOrder> => {
    const stored = toStoredOrder(order, now());
    let outcome: ProcessedOrder['stored'] = 'created';
    try {
      await docs.send(
        new PutCommand({
          TableName: deps.ordersTable,
          Item: stored,
          ConditionExpression: 'attribute_not_exists(orderId)',
        }),
      );
    } catch (err) {
      if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
      // Stored by an earlier attempt that failed later (e.g. while publishing): do not write again.
      outcome = 'existing';
      logger.info('order already stored, publishing only', { orderId: order.orderId });
    }
    const { message, attributes } = notice(stored);
    await deps.sns.send(
      new PublishCommand({ TopicArn: deps.topicArn, Message: message, MessageAttributes: attributes }),
    );
    return { orderId: order.orderId, total: stored.total, stored: outcome };
  };

  const processOnce = makeIdempotent(storeAndNotify, { persistenceStore, config: idempotencyConfig });

  const recordHandler = async (record: SQSRecord): Promise<ProcessedOrder> => {
    try {
      const order = parseOrder(record.body);
      const result = await processOnce(order);
      logger.info('order processed', { messageId: record.messageId, ...result });
      return result;
    } catch (err) {
      const error = err as Error;
      logger.error(error instanceof InvalidOrderError ? 'invalid order rejected' : 'order processing failed', {
        messageId: record.messageId,
        receiveCount: record.attributes.ApproximateReceiveCount,
        reason: error.message,
        error,
      });
      throw err;
    }
  };

  const standard = new BatchProcessor(EventType.SQS);
  const fifo = new SqsFifoPartialProcessorAsync();

  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    logger.addContext(context);
    idempotencyConfig.registerLambdaContext(context);
    const isFifo = event.Records[0]?.eventSourceARN.endsWith('.fifo') ?? false;
    // FIFO: after a failure in a message group the rest of that group is returned as failed,
    // so order within the group holds; other groups in the batch carry on.
    const response = isFifo
      ? await processPartialResponse(event, recordHandler, fifo, { context, skipGroupOnError: true })
      : await processPartialResponse(event, recordHandler, standard, { context });
    logger.info('batch done', { records: event.Records.length, failed: response.batchItemFailures.length });
    return response;
  };
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is required`);
  return value;
}

let lambdaHandler: ((event: SQSEvent, context: Context) => Promise<SQSBatchResponse>) | undefined;

/** Lambda entry point; clients read AWS_REGION / AWS_ENDPOINT_URL from the environment. */
export const handler = (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  lambdaHandler ??= createHandler({
    ddb: new DynamoDBClient({}),
    sns: new SNSClient({}),
    ordersTable: requireEnv('ORDERS_TABLE'),
    idempotencyTable: requireEnv('IDEMPOTENCY_TABLE'),
    topicArn: requireEnv('TOPIC_ARN'),
  });
  return lambdaHandler(event, context);
};
