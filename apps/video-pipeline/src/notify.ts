// SPDX-License-Identifier: MIT-0
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { notifyConfig } from './config.ts';
import { publishNotice } from './notification.ts';
import { logger, metrics, tracer, withPowertools } from './powertools.ts';

const config = notifyConfig(process.env);
const s3 = tracer.captureAWSv3Client(new S3Client({}));
const sns = tracer.captureAWSv3Client(new SNSClient({}));

// No Parser middleware: the input is the state machine's own (three shapes, NotifyInput), not an
// AWS event; publishNotice parses it with zod.
export const handler = withPowertools((event) => publishNotice(event, { s3, sns, config, logger, metrics }));
