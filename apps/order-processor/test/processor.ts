import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type ProcessorDeps, processOrders } from '../src/process.ts';

/**
 * processOrders with the clients and tables a test names, and what the handler's module gives it
 * otherwise. Metrics are flushed after each batch, as the handler's logMetrics middleware does,
 * so a test reads each invocation's metrics from its logs.
 */
export function processorFor(
  deps: Pick<ProcessorDeps, 'ddb' | 'sns' | 'config'> & Partial<ProcessorDeps>,
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const metrics = deps.metrics ?? new Metrics({ namespace: 'OrderProcessor', serviceName: 'order-processor' });
  const full: ProcessorDeps = {
    logger: new Logger({ serviceName: 'order-processor' }),
    now: () => new Date(),
    ...deps,
    metrics,
  };
  return async (event, context) => {
    try {
      return await processOrders(event, context, full);
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}
