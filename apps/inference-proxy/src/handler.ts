// SPDX-License-Identifier: MIT-0
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { classify } from './classify.ts';
import { parseConfig } from './config.ts';
import { CONNECT_TIMEOUT_MS, MODEL_ATTEMPTS } from './limits.ts';
import type { ProxyEvent } from './request.ts';

const serviceName = 'inference-proxy';
const logger = new Logger({ serviceName });
// CloudWatch metrics as embedded-metric-format log lines: no PutMetricData call, no IAM.
const metrics = new Metrics({ namespace: 'InferenceProxy', serviceName });
const tracer = new Tracer({ serviceName });
const config = parseConfig(process.env);
const sagemaker = tracer.captureAWSv3Client(
  new SageMakerRuntimeClient({
    maxAttempts: MODEL_ATTEMPTS,
    // throwOnRequestTimeout: without it the SDK only logs a warning when the timeout passes.
    requestHandler: {
      connectionTimeout: CONNECT_TIMEOUT_MS,
      requestTimeout: config.modelTimeoutMs,
      throwOnRequestTimeout: true,
    },
  }),
);

export const handler = middy((event: ProxyEvent, context: Context) =>
  classify(event, context.awsRequestId, { sagemaker, config, logger, metrics }),
)
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
