// SPDX-License-Identifier: MIT-0
import { SFNClient } from '@aws-sdk/client-sfn';
import { triggerConfig } from './config.ts';
import { logger, metrics, tracer, withPowertools } from './powertools.ts';
import { startExecutions } from './start.ts';

const config = triggerConfig(process.env);
const sfn = tracer.captureAWSv3Client(new SFNClient({}));

// No Parser middleware: the function takes an S3 notification or an EventBridge S3 event, which
// uploadsIn tells apart with Parser's schemas, answering a clear error for anything else.
export const handler = withPowertools((event) => startExecutions(event, { sfn, config, logger, metrics }));
