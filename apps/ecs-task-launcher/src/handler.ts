// SPDX-License-Identifier: MIT-0
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import { parseConfig } from './config.ts';
import { launchTasks } from './launch.ts';

const serviceName = 'ecs-task-launcher';
const logger = new Logger({ serviceName });
// CloudWatch metrics as embedded-metric-format log lines: no PutMetricData call, no IAM.
const metrics = new Metrics({ namespace: 'EcsTaskLauncher', serviceName });
const tracer = new Tracer({ serviceName });
const config = parseConfig(process.env);
const ecs = tracer.captureAWSv3Client(new ECSClient({}));
const s3 = tracer.captureAWSv3Client(new S3Client({}));
const ddb = DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})));

// No Parser middleware: the function takes three event shapes (S3 notification, EventBridge,
// a direct call), which launchTasks tells apart with Parser's schemas, answering a clear error
// for anything else.
export const handler = middy((event: unknown) =>
  launchTasks(event, { ecs, s3, ddb, config, logger, metrics, now: Date.now }),
)
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
