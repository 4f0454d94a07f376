import { Logger } from '@aws-lambda-powertools/logger';
import { type ECSClient, ListTasksCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import type { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.ts';
import { createHandler, RunTaskFailedError } from './handler.ts';

// ECS answering RunTask with HTTP 200 and a `failures` list (no capacity, a missing
// container instance) cannot be produced on demand in the emulator, so these cases use a
// scripted client. The rest of the launcher is tested end to end in test/launcher.e2e.test.ts.
function scriptedEcs(runTask: (input: RunTaskCommand['input']) => unknown) {
  const calls: string[] = [];
  const ecs = {
    send: async (cmd: unknown) => {
      if (cmd instanceof ListTasksCommand) {
        calls.push('ListTasks');
        return { taskArns: [] };
      }
      if (cmd instanceof RunTaskCommand) {
        calls.push('RunTask');
        return runTask(cmd.input);
      }
      throw new Error(`unexpected ${String(cmd)}`);
    },
  } as unknown as ECSClient;
  return { ecs, calls };
}

const config = parseConfig({ CLUSTER: 'media', TASK_DEFINITION: 'transcoder', SUBNETS: 'subnet-a' });
const s3 = {} as S3Client;
const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
const event = (...keys: string[]) => ({
  Records: keys.map((key) => ({
    eventSource: 'aws:s3',
    eventName: 'ObjectCreated:Put',
    s3: { bucket: { name: 'uploads' }, object: { key, eTag: `etag-${key}`, size: 100 } },
  })),
});

describe('launcher on RunTask failures', () => {
  it('fails with the reason when RunTask answers 200 with failures and no task', async () => {
    const { ecs } = scriptedEcs(() => ({
      tasks: [],
      failures: [{ arn: 'arn:aws:ecs:eu-west-1:1:cluster/media', reason: 'Capacity is unavailable at this time' }],
    }));
    const run = createHandler({ ecs, s3, config, logger })(event('in/a.mp4'));
    await expect(run).rejects.toThrow(RunTaskFailedError);
    await expect(run).rejects.toThrow(
      'RunTask for s3://uploads/in/a.mp4 started no task (cluster media, task definition transcoder): Capacity is unavailable at this time arn:aws:ecs:eu-west-1:1:cluster/media',
    );
  });

  it('tries every object of the event before failing, and names each failure', async () => {
    const { ecs, calls } = scriptedEcs((input) =>
      input.overrides?.containerOverrides?.[0]?.environment?.some((e) => e.value === 'in/b.mp4')
        ? { tasks: [], failures: [{ reason: 'RESOURCE:MEMORY' }] }
        : { tasks: [{ taskArn: 'arn:task/1' }], failures: [] },
    );
    const run = createHandler({ ecs, s3, config, logger })(event('in/a.mp4', 'in/b.mp4', 'in/c.mp4'));
    await expect(run).rejects.toThrow(/s3:\/\/uploads\/in\/b\.mp4 started no task .*RESOURCE:MEMORY/);
    expect(calls.filter((c) => c === 'RunTask')).toHaveLength(3);
  });

  it('returns the task ARN when RunTask starts the task', async () => {
    const { ecs } = scriptedEcs(() => ({ tasks: [{ taskArn: 'arn:task/1' }], failures: [] }));
    await expect(createHandler({ ecs, s3, config, logger })(event('in/a.mp4'))).resolves.toEqual({
      launched: [{ bucket: 'uploads', key: 'in/a.mp4', taskArns: ['arn:task/1'], started: true }],
      skipped: [],
    });
  });
});
