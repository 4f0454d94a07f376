import { ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { deployLauncher } from '@samples/ecs-task-launcher/testing';
import { listKeys, waitFor, waitForTaskStopped } from '@samples/emulator/waiters';
import { makeClip } from '@samples/transcoder/clips';
import type { Flow } from '../flow.ts';

/** An upload starts the transcoder as an ECS task through the launcher function. */
export const flow: Flow = {
  workload: 'ecs-task-launcher',
  input: '2 s 854x480 clip upload',
  needs: ['lambda', 'ecs', 's3'],
  async run(ctx) {
    const s3 = new S3Client({});
    const ecs = new ECSClient({});
    const name = `demo-launcher-${Date.now().toString(36)}`;
    ctx.progress('deploying: transcoder task definition, launcher function, upload trigger');
    const stack = await deployLauncher({ name, inputBucket: `${name}-in`, outputBucket: `${name}-out` });
    const started = Date.now();
    await s3.send(
      new PutObjectCommand({
        Bucket: stack.inputBucket,
        Key: 'uploads/clip.mp4',
        Body: makeClip({ width: 854, height: 480, seconds: 2 }),
      }),
    );
    ctx.progress('waiting for the task the upload starts');
    const taskArn = await waitFor('a task in the cluster', async () => {
      for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
        const res = await ecs.send(new ListTasksCommand({ cluster: stack.task.cluster, desiredStatus }));
        if (res.taskArns?.[0]) return res.taskArns[0];
      }
      return undefined;
    });
    const task = await waitForTaskStopped(ecs, stack.task.cluster, taskArn);
    if (task.exitCode !== 0) throw new Error(`the task exited ${task.exitCode}: ${task.why}`);
    const keys = await listKeys(s3, stack.outputBucket, 'processed/');
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    return `task ${taskArn.split('/').pop()} exit 0, ${keys.length} objects written; ${seconds} s`;
  },
};
