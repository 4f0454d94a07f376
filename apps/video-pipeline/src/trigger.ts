// SPDX-License-Identifier: MIT-0
import { Logger } from '@aws-lambda-powertools/logger';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
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
  stateMachineArn: string;
  logger?: Logger;
}

/** S3 upload -> one pipeline execution per upload, named after it so a re-delivery starts none. */
export function createTrigger(deps: TriggerDeps) {
  const logger = deps.logger ?? new Logger({ serviceName: 'video-pipeline' });
  return async (event: unknown, context?: Context): Promise<{ executions: Started[] }> => {
    if (context) logger.addContext(context);
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
      try {
        const res = await deps.sfn.send(
          new StartExecutionCommand({ stateMachineArn: deps.stateMachineArn, name, input: JSON.stringify(input) }),
        );
        logger.info('execution started', { ...input, executionArn: res.executionArn });
        executions.push({
          bucket: upload.bucket,
          key: upload.key,
          executionName: name,
          executionArn: res.executionArn,
          started: true,
        });
      } catch (err) {
        if (!(err instanceof Error && err.name === 'ExecutionAlreadyExists')) throw err;
        logger.info('execution already exists for this upload, not starting another', {
          ...input,
          executionName: name,
        });
        executions.push({
          bucket: upload.bucket,
          key: upload.key,
          executionName: name,
          executionArn: undefined,
          started: false,
        });
      }
    }
    return { executions };
  };
}

let trigger: ReturnType<typeof createTrigger> | undefined;

/** Lambda entry point; clients read AWS_REGION / AWS_ENDPOINT_URL from the environment. */
export const handler = (event: unknown, context: Context) => {
  const stateMachineArn = process.env.STATE_MACHINE_ARN;
  if (!stateMachineArn) throw new Error('environment variable STATE_MACHINE_ARN is required');
  trigger ??= createTrigger({ sfn: new SFNClient({}), stateMachineArn });
  return trigger(event, context);
};
