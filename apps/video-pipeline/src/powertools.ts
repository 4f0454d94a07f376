// SPDX-License-Identifier: MIT-0
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';

const serviceName = 'video-pipeline';
export const logger = new Logger({ serviceName });
// CloudWatch metrics as embedded-metric-format log lines: no PutMetricData call, no IAM.
export const metrics = new Metrics({ namespace: 'VideoPipeline', serviceName });
export const tracer = new Tracer({ serviceName });

/**
 * The Middy chain each of the pipeline's functions runs in: a trace segment, the invocation's
 * context on every log line, metrics flushed on success and on error (with the cold start).
 */
export function withPowertools<TResult>(work: (event: unknown) => Promise<TResult>) {
  return middy(work)
    .use(captureLambdaHandler(tracer))
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}
