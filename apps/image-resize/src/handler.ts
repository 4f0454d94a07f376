// SPDX-License-Identifier: MIT-0
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { S3Client } from '@aws-sdk/client-s3';
import middy from '@middy/core';
import { parseConfig } from './config.ts';
import { type S3Event, S3EventSchema } from './event.ts';
import { processEvent } from './process.ts';

const serviceName = 'image-resize';
const logger = new Logger({ serviceName });
// CloudWatch metrics as embedded-metric-format log lines: no PutMetricData call, no IAM.
const metrics = new Metrics({ namespace: 'ImageResize', serviceName });
const tracer = new Tracer({ serviceName });
const config = parseConfig(process.env);
const s3 = tracer.captureAWSv3Client(new S3Client({}));

// logMetrics flushes on success and on error, so what an invocation did before a record threw is counted.
export const handler = middy((event: S3Event) => processEvent(event, { s3, config, logger, metrics }))
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics, { captureColdStartMetric: true }))
  .use(parser({ schema: S3EventSchema }));
