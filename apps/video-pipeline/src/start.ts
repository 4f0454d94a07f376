// SPDX-License-Identifier: MIT-0
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { unquoted } from './notice.ts';
import { executionName, uploadsIn } from './uploads.ts';

export interface Started {
  bucket: string;
  key: string;
  executionName: string;
  executionArn: string | undefined;
  /** false: an execution of that name already existed (a re-delivered event). */
  started: boolean;
}

export interface TriggerDeps {
  sfn: SFNClient;
  config: { stateMachineArn: string };
  logger: Logger;
  metrics: Metrics;
}

/** S3 upload -> one pipeline execution per upload, named after it so a re-delivery starts none. */
export async function startExecutions(event: unknown, deps: TriggerDeps): Promise<{ executions: Started[] }> {
  const { logger, metrics } = deps;
  const { uploads, ignored } = uploadsIn(event);
  for (const i of ignored) logger.info('not an upload, ignored', { record: i });
  const executions: Started[] = [];
  for (const upload of uploads) {
    const name = executionName(upload);
    // The ETag pins the version: ValidateVideo refuses the object once replaced, the task reads only it.
    const input = {
      bucket: upload.bucket,
      key: upload.key,
      etag: unquoted(upload.etag) || null,
      size: upload.size ?? null,
      // Which PUT of the key this is: the same bytes uploaded again have the same ETag, not the same sequencer.
      sequencer: upload.sequencer ?? null,
    };
    const done = { bucket: upload.bucket, key: upload.key, executionName: name };
    try {
      const res = await deps.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: deps.config.stateMachineArn,
          name,
          input: JSON.stringify(input),
        }),
      );
      logger.info('execution started', { ...input, executionArn: res.executionArn });
      metrics.addMetric('ExecutionsStarted', MetricUnit.Count, 1);
      executions.push({ ...done, executionArn: res.executionArn, started: true });
    } catch (err) {
      if (!(err instanceof Error && err.name === 'ExecutionAlreadyExists')) throw err;
      logger.info('execution already exists for this upload, not starting another', { ...input, executionName: name });
      metrics.addMetric('UploadsAlreadyStarted', MetricUnit.Count, 1);
      executions.push({ ...done, executionArn: undefined, started: false });
    }
  }
  return { executions };
}
