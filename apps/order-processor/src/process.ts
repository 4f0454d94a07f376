// SPDX-License-Identifier: MIT-0
import {
  BatchProcessor,
  EventType,
  processPartialResponse,
  SqsFifoPartialProcessorAsync,
} from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Config } from './config.ts';
import {
  InvalidOrderError,
  notice,
  orderOf,
  parseOrder,
  type StoredOrder,
  storedContentHash,
  toStoredOrder,
} from './order.ts';

export interface ProcessorDeps {
  ddb: DynamoDBClient;
  sns: SNSClient;
  config: Config;
  logger: Logger;
  /** Flushed by the caller (the handler's logMetrics middleware). */
  metrics: Metrics;
  now: () => Date;
}

export interface ProcessedOrder {
  orderId: string;
  total: number;
  /**
   * `stored`: new, stored and announced. `announced`: stored by an earlier attempt, announced now.
   * `duplicate`: stored and announced before, nothing done. `conflict`: other content than the
   * stored order, parked in the conflicts table.
   */
  outcome: 'stored' | 'announced' | 'duplicate' | 'conflict';
}

const OUTCOME_METRIC: Record<ProcessedOrder['outcome'], string> = {
  stored: 'OrdersStored',
  announced: 'OrdersAnnouncedLate',
  duplicate: 'OrdersDuplicate',
  conflict: 'OrdersConflict',
};

const isConditionFailure = (err: unknown) => err instanceof Error && err.name === 'ConditionalCheckFailedException';

/**
 * Processes one SQS batch and answers its partial batch response. Each record is parsed and
 * validated, then processed once per order id and content: a conditional PutItem stores the
 * order, an SNS publish announces it from the stored item, and the stored item is marked
 * `announcedAt`. That mark, not the idempotency record, is what keeps a late duplicate (after the
 * idempotency window) from being announced again. The idempotency record (keyed on order id and
 * content hash) is written only after all of this succeeds; it answers duplicates within the
 * window and holds back a concurrent duplicate while the first is in progress. Another message
 * with a stored order's id but other content is a conflict: logged with both versions and parked,
 * never stored over and never announced. The SQS bodies are parsed here rather than by the Batch
 * processor's Parser integration: a body that fails there never reaches this code, so it would
 * be neither recorded as rejected nor counted in `OrdersRejected`.
 */
export async function processOrders(event: SQSEvent, context: Context, deps: ProcessorDeps): Promise<SQSBatchResponse> {
  const { config, logger, metrics, now } = deps;
  // The records whose work ran in this invocation: the others were answered from an
  // idempotency record (a duplicate inside the window).
  const ran = new Set<string>();
  const docs = DynamoDBDocumentClient.from(deps.ddb);
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: config.idempotencyTable,
    awsSdkV3Client: deps.ddb,
  });
  const idempotencyConfig = new IdempotencyConfig({ eventKeyJmesPath: '[orderId, contentHash]' });
  idempotencyConfig.registerLambdaContext(context);

  /**
   * Conditional PutItem: `written`, or the item stored already under that key, which the failed
   * condition returns itself (ReturnValuesOnConditionCheckFailure), so no second read is needed.
   */
  const putIfAbsent = async (
    tableName: string,
    item: object,
  ): Promise<{ written: true } | { written: false; existing: Record<string, unknown> | undefined }> => {
    try {
      await docs.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...item },
          ConditionExpression: 'attribute_not_exists(orderId)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { written: true };
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      return { written: false, existing: err.Item ? unmarshall(err.Item) : undefined };
    }
  };

  const announce = async (stored: StoredOrder): Promise<void> => {
    const { message, attributes } = notice(stored);
    const published = await deps.sns.send(
      new PublishCommand({ TopicArn: config.topicArn, Message: message, MessageAttributes: attributes }),
    );
    try {
      await docs.send(
        new UpdateCommand({
          TableName: config.ordersTable,
          Key: { orderId: stored.orderId },
          UpdateExpression: 'SET announcedAt = :at, noticeMessageId = :id',
          ConditionExpression: 'attribute_exists(orderId) AND attribute_not_exists(announcedAt)',
          ExpressionAttributeValues: { ':at': now().toISOString(), ':id': published.MessageId ?? 'unknown' },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      // Another delivery announced it at the same moment; the first mark stays.
      logger.warn('order announced by another delivery as well', { orderId: stored.orderId });
    }
  };

  const park = async (incoming: StoredOrder, stored: StoredOrder, record: SQSRecord): Promise<void> => {
    const conflict = {
      orderId: incoming.orderId,
      contentHash: incoming.contentHash,
      storedContentHash: storedContentHash(stored),
      messageId: record.messageId,
      receiveCount: Number(record.attributes.ApproximateReceiveCount),
      incoming: orderOf(incoming),
      stored,
      detectedAt: now().toISOString(),
    };
    // One item per conflicting version: a redelivery keeps the first detection.
    await putIfAbsent(config.conflictsTable, conflict);
    logger.error('order conflict parked', {
      messageId: conflict.messageId,
      orderId: conflict.orderId,
      receiveCount: conflict.receiveCount,
      incomingContentHash: conflict.contentHash,
      storedContentHash: conflict.storedContentHash,
      incoming: conflict.incoming,
      stored,
    });
  };

  const storeAndAnnounce = async (candidate: StoredOrder, record: SQSRecord): Promise<ProcessedOrder> => {
    ran.add(record.messageId);
    const result = (outcome: ProcessedOrder['outcome'], total: number) => ({
      orderId: candidate.orderId,
      total,
      outcome,
    });
    const put = await putIfAbsent(config.ordersTable, candidate);
    if (put.written) {
      await announce(candidate);
      return result('stored', candidate.total);
    }
    // Stored before: by an earlier attempt (that failed later), a duplicate, or another order
    // that uses the same id. The failed condition returned that item: what it was when the
    // condition was checked, no eventually consistent read involved.
    const stored = put.existing as StoredOrder | undefined;
    if (!stored) throw new Error(`order ${candidate.orderId} exists but DynamoDB returned no item for it`);
    if (storedContentHash(stored) !== candidate.contentHash) {
      await park(candidate, stored, record);
      return result('conflict', stored.total);
    }
    if (stored.announcedAt) return result('duplicate', stored.total);
    logger.info('order already stored, announcing it', { orderId: stored.orderId });
    await announce(stored);
    return result('announced', stored.total);
  };

  const processOnce = makeIdempotent(storeAndAnnounce, { persistenceStore, config: idempotencyConfig });

  /**
   * One item per order id, the first rejection kept; written on each failed receive of an
   * invalid order until the redrive parks it, so a throttled or failed write is retried too.
   * Only ids that match the contract's pattern are recorded: anything else is not an order id.
   */
  const recordRejection = async (record: SQSRecord, reason: string): Promise<void> => {
    if (!config.rejectionsTable) return;
    let orderId: unknown;
    try {
      orderId = (JSON.parse(record.body) as { orderId?: unknown } | null)?.orderId;
    } catch {
      return;
    }
    if (typeof orderId !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(orderId)) return;
    try {
      await docs.send(
        new PutCommand({
          TableName: config.rejectionsTable,
          Item: { orderId, reason, messageId: record.messageId, rejectedAt: now().toISOString() },
          ConditionExpression: 'attribute_not_exists(orderId)',
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) logger.error('rejection not recorded', { orderId, error: err });
    }
  };

  const recordHandler = async (record: SQSRecord): Promise<ProcessedOrder> => {
    try {
      const candidate = toStoredOrder(parseOrder(record.body), now());
      const result = await processOnce(candidate, record);
      const outcome = ran.delete(record.messageId) ? result.outcome : 'duplicate';
      metrics.addMetric(OUTCOME_METRIC[outcome], MetricUnit.Count, 1);
      logger.info('order processed', { messageId: record.messageId, ...result, outcome });
      return { ...result, outcome };
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      logger.error(error instanceof InvalidOrderError ? 'invalid order rejected' : 'order processing failed', {
        messageId: record.messageId,
        receiveCount: record.attributes.ApproximateReceiveCount,
        reason: error.message,
        error,
      });
      ran.delete(record.messageId);
      metrics.addMetric(error instanceof InvalidOrderError ? 'OrdersRejected' : 'OrdersFailed', MetricUnit.Count, 1);
      if (error instanceof InvalidOrderError) await recordRejection(record, error.message);
      throw err;
    }
  };

  const isFifo = event.Records[0]?.eventSourceARN.endsWith('.fifo') ?? false;
  // FIFO: after a failure in a message group the rest of that group is returned as failed,
  // so order within the group holds; other groups in the batch carry on.
  const response = isFifo
    ? await processPartialResponse(event, recordHandler, new SqsFifoPartialProcessorAsync(), {
        context,
        skipGroupOnError: true,
      })
    : await processPartialResponse(event, recordHandler, new BatchProcessor(EventType.SQS), { context });
  logger.info('batch done', { records: event.Records.length, failed: response.batchItemFailures.length });
  return response;
}
