// SPDX-License-Identifier: MIT-0
import { S3Client } from '@aws-sdk/client-s3';
import { validateConfig } from './config.ts';
import { logger, metrics, tracer, withPowertools } from './powertools.ts';
import { validateUpload } from './validation.ts';

const config = validateConfig(process.env);
const s3 = tracer.captureAWSv3Client(new S3Client({}));

// No Parser middleware: an input that fails validation is an answer (`valid: false` and why) for
// the state machine's Choice, not an error; validateUpload parses it with zod and says what is wrong.
export const handler = withPowertools((event) => validateUpload(event, { s3, config, logger, metrics }));
