import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describeWith, emulator, uniqueName } from '@samples/emulator/testing';
import { captureStderr, lambdaContext, lambdaRuntimeEnv } from '@samples/test-support/lambda';
import { captureLogs } from '@samples/test-support/logs';
import type { Context } from 'aws-lambda';
import { beforeAll, expect, it } from 'vitest';
import { sampleEvent } from './events.ts';

const context = lambdaContext('ecs-task-launcher');

// src/handler.ts itself, in-process: the Middy chain (Tracer, Logger context, metrics flush)
// around the work, with the clients it makes at module scope pointed at the emulator.
describeWith(['s3', 'dynamodb'], 'ecs-task-launcher: the handler as Lambda runs it', () => {
  let handler: (event: unknown, context: Context) => Promise<unknown>;

  beforeAll(async () => {
    emulator();
    const table = uniqueName('launches');
    await new DynamoDBClient({}).send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'token', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'token', KeyType: 'HASH' }],
      }),
    );
    Object.assign(process.env, {
      CLUSTER: 'media',
      TASK_DEFINITION: 'transcoder',
      SUBNETS: 'subnet-a',
      LAUNCH_TABLE: table,
      ...lambdaRuntimeEnv(new URL('..', import.meta.url).pathname),
    });
    ({ handler } = await import('../src/handler.ts'));
  });

  it('answers the sample direct call for an object that is not there with SourceNotFoundError, metrics flushed', async () => {
    let error: unknown;
    const stderr = captureStderr();
    const logs = await captureLogs(async () => {
      error = await handler(sampleEvent('direct'), context).catch((err: unknown) => err);
    });
    expect(error).toMatchObject({
      name: 'SourceNotFoundError',
      message: expect.stringMatching(
        /^s3:\/\/amzn-s3-demo-bucket\/uploads\/my clip\.mov (does not exist|is not readable)/,
      ),
    });
    const failed = logs.find((l) => l.message === 'launch failed');
    expect(failed).toMatchObject({ function_request_id: 'req-handler-1', function_name: 'ecs-task-launcher' });
    expect(logs.find((l) => l.LaunchesFailed !== undefined)).toMatchObject({ LaunchesFailed: 1, TasksStarted: 0 });
    expect(logs.find((l) => l.ColdStart !== undefined)).toMatchObject({ ColdStart: 1 });
    // Nothing but the failure itself is logged as an error (no X-Ray complaints).
    expect(logs.filter((l) => l.level === 'ERROR').map((l) => l.message)).toEqual(['launch failed']);
    expect(stderr.stop().filter((l) => !l.startsWith('{'))).toEqual([]);
  });

  it('refuses an S3 notification without the fields AWS sends, naming them', async () => {
    const event = sampleEvent('s3-object-created') as { Records: Record<string, unknown>[] };
    const { responseElements: _, ...partial } = event.Records[0] ?? {};
    await expect(handler({ Records: [partial] }, context)).rejects.toMatchObject({
      name: 'InvalidEventError',
      message: expect.stringMatching(/^not a valid S3 event notification: Records\.0\.responseElements: /),
    });
  });
});
