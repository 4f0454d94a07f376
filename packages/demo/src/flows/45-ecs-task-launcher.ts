import { ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { deployLocal, destroyLocal } from '@samples/cdk';
import { listKeys, waitFor, waitForTaskStopped } from '@samples/emulator/waiters';
import { makeClip } from '@samples/test-support/clips';
import type { Flow } from '../flow.ts';

const PACKAGE_DIR = new URL('../../../../apps/ecs-task-launcher/', import.meta.url).pathname;

/** The launcher's CDK stack deployed into the emulator; an upload starts the transcoder as an ECS task. */
export const flow: Flow = {
  workload: 'ecs-task-launcher',
  input: '2 s 854x480 clip upload',
  // ecs first: a backend without it is reported as lacking ecs before anything else.
  needs: ['ecs', 'cloudformation', 'cloudformation-custom-resources', 'lambda', 's3', 'dynamodb', 'iam'],
  async run(ctx) {
    const s3 = new S3Client({});
    const ecs = new ECSClient({});
    const stackName = `DemoLauncher${Date.now().toString(36)}`;
    // ministack's CloudFormation has no AWS::EC2::FlowLog: the stack's flowLogs option is off here.
    ctx.progress('deploying the stack with cdk (flowLogs=false): VPC, cluster, task definition, function, trigger');
    const opts = {
      cwd: PACKAGE_DIR,
      env: { ...process.env, ...ctx.emulator.env },
      stackName,
      context: { flowLogs: 'false' },
    };
    const outputs = await deployLocal(opts);
    try {
      const cluster = outputs.Cluster as string;
      const started = Date.now();
      await s3.send(
        new PutObjectCommand({
          Bucket: outputs.UploadsBucket,
          Key: 'uploads/clip.mp4',
          Body: makeClip({ width: 854, height: 480, seconds: 2 }),
        }),
      );
      ctx.progress('waiting for the task the upload starts');
      const taskArn = await waitFor('a task in the cluster', async () => {
        for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
          const res = await ecs.send(new ListTasksCommand({ cluster, desiredStatus }));
          if (res.taskArns?.[0]) return res.taskArns[0];
        }
        return undefined;
      });
      const task = await waitForTaskStopped(ecs, cluster, taskArn);
      if (task.exitCode !== 0) throw new Error(`the task exited ${task.exitCode}: ${task.why}`);
      const keys = await listKeys(s3, outputs.RenditionsBucket as string, 'processed/');
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const taskId = taskArn.split('/').pop()!;
      return {
        summary: `task ${taskId} exit 0, ${keys.length} objects written; ${seconds} s from upload (stack ${stackName}, cdk)`,
        blocks: [
          {
            kind: 'figures',
            title: 'The task the upload started',
            items: [
              { key: 'task', label: 'task', value: taskId },
              { key: 'exit', label: 'exit code', value: task.exitCode ?? '-' },
              { key: 'objects', label: 'objects written', value: keys.length },
              { key: 'seconds', label: 'seconds from upload to stopped', value: seconds },
            ],
          },
        ],
      };
    } finally {
      await destroyLocal(opts);
    }
  },
};
