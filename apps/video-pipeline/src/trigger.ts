// SPDX-License-Identifier: MIT-0
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { SFNClient } from '@aws-sdk/client-sfn';
import middy from '@middy/core';
import { triggerConfig } from './config.ts';
import { startExecutions } from './start.ts';

const serviceName = 'video-pipeline';
const logger = new Logger({ serviceName });
// CloudWatch metrics as embedded-metric-format log lines: no PutMetricData call, no IAM.
const metrics = new Metrics({ namespace: 'VideoPipeline', serviceName });
const tracer = new Tracer({ serviceName });
const config = triggerConfig(process.env);
const sfn = tracer.captureAWSv3Client(new SFNClient({}));

// No Parser middleware: the function takes an S3 notification or an EventBridge S3 event, which
// uploadsIn tells apart with Parser's schemas, answering a clear error for anything else.
export const handler = middy((event: unknown) => startExecutions(event, { sfn, config, logger, metrics }))
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
