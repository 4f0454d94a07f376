import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { bundleLambda } from '@samples/build';
import { deployFunction, notifyOnUpload } from '@samples/emulator/deploy';
import { deployTranscoderTask, type TranscoderTask } from '@samples/transcoder/ecs';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

export interface LauncherStack {
  functionName: string;
  functionArn: string;
  inputBucket: string;
  outputBucket: string;
  task: TranscoderTask;
}

/**
 * Test, demo and benchmark tooling: the launcher deployed into the emulator as it runs on
 * AWS: the bundled function with a least-privilege role, triggered by uploads to
 * `inputBucket`, starting the transcoder's task definition in its own cluster.
 */
export async function deployLauncher(opts: {
  name: string;
  inputBucket: string;
  outputBucket: string;
  environment?: Record<string, string>;
}): Promise<LauncherStack> {
  const s3 = new S3Client({});
  await s3.send(new CreateBucketCommand({ Bucket: opts.inputBucket }));
  await s3.send(new CreateBucketCommand({ Bucket: opts.outputBucket }));
  const task = await deployTranscoderTask({
    cluster: `${opts.name}-cluster`,
    family: `${opts.name}-transcoder`,
    outputBucket: opts.outputBucket,
  });
  const stack = {
    functionName: opts.name,
    functionArn: '',
    inputBucket: opts.inputBucket,
    outputBucket: opts.outputBucket,
    task,
  };
  stack.functionArn = await deployLauncherFunction({ name: opts.name, stack, environment: opts.environment });
  // Only uploads under uploads/ start tasks; tests call the function directly for other keys.
  await notifyOnUpload(opts.inputBucket, stack.functionArn, { prefix: 'uploads/' });
  return stack;
}

/** The launcher function alone, with a least-privilege role, for the stack's cluster and task definition. */
export async function deployLauncherFunction(opts: {
  name: string;
  stack: Omit<LauncherStack, 'functionName' | 'functionArn'>;
  environment?: Record<string, string>;
}): Promise<string> {
  const { task, inputBucket } = opts.stack;
  const bundle = await bundleLambda({ entry: join(packageDir, 'src/handler.ts'), outdir: join(tmpdir(), opts.name) });
  return deployFunction({
    name: opts.name,
    zip: bundle.zip,
    memoryMb: 256,
    timeoutSeconds: 30,
    environment: {
      CLUSTER: task.cluster,
      TASK_DEFINITION: task.family,
      CONTAINER_NAME: task.containerName,
      // The emulator does not check subnets; on AWS these are private subnets of the VPC.
      SUBNETS: 'subnet-0a1b2c3d4e5f67890',
      SECURITY_GROUPS: 'sg-0a1b2c3d4e5f67890',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      ...opts.environment,
    },
    statements: [
      {
        Effect: 'Allow',
        Action: ['ecs:RunTask'],
        Resource: [`arn:aws:ecs:*:*:task-definition/${task.family}:*`],
      },
      // ListTasks takes no resource ARN; on AWS narrow it with the ecs:cluster condition.
      { Effect: 'Allow', Action: ['ecs:ListTasks'], Resource: ['*'] },
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${inputBucket}/*`] },
    ],
  });
}
