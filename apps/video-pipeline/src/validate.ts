// SPDX-License-Identifier: MIT-0
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { S3Client } from '@aws-sdk/client-s3';
import middy from '@middy/core';
import { validateConfig } from './config.ts';
import { validateUpload } from './validation.ts';

const serviceName = 'video-pipeline';
const logger = new Logger({ serviceName });
// CloudWatch metrics as embedded-metric-format log lines: no PutMetricData call, no IAM.
const metrics = new Metrics({ namespace: 'VideoPipeline', serviceName });
const tracer = new Tracer({ serviceName });
const config = validateConfig(process.env);
const s3 = tracer.captureAWSv3Client(new S3Client({}));

// No Parser middleware: an input that fails validation is an answer (`valid: false` and why) for
// the state machine's Choice, not an error; validateUpload parses it with zod and says what is wrong.
export const handler = middy((event: unknown) => validateUpload(event, { s3, config, logger, metrics }))
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
