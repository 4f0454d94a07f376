// SPDX-License-Identifier: MIT-0
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import { SqsSchema } from '@aws-lambda-powertools/parser/schemas/sqs';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import middy from '@middy/core';
import type { Context, SQSEvent } from 'aws-lambda';
import { parseConfig } from './config.ts';
import { processOrders } from './process.ts';

const serviceName = 'order-processor';
const logger = new Logger({ serviceName });
// CloudWatch metrics as embedded-metric-format log lines: no PutMetricData call, no IAM.
const metrics = new Metrics({ namespace: 'OrderProcessor', serviceName });
const tracer = new Tracer({ serviceName });
const config = parseConfig(process.env);
const ddb = tracer.captureAWSv3Client(new DynamoDBClient({}));
const sns = tracer.captureAWSv3Client(new SNSClient({}));
const now = () => new Date();

// Parser checks the SQS envelope only; each body is parsed per record in processOrders, so an
// invalid order fails its own record (and is recorded as rejected), not the batch.
export const handler = middy((event: SQSEvent, context: Context) =>
  processOrders(event, context, { ddb, sns, config, logger, metrics, now }),
)
  .use(parser({ schema: SqsSchema }))
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
