import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
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
  /** The record of started uploads (partition key `token`). */
  launchTable: string;
  task: TranscoderTask;
}

/**
 * Benchmark tooling (the tests and the demo deploy the CDK stack itself): the launcher deployed
 * into the emulator through the service APIs, without CloudFormation: the bundled function with
 * a least-privilege role, triggered by uploads to `inputBucket`, starting the transcoder's task
 * definition in its own cluster, recording the uploads it started in a table of its own.
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
  const launchTable = `${opts.name}-launches`;
  await new DynamoDBClient({}).send(
    new CreateTableCommand({
      TableName: launchTable,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'token', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'token', KeyType: 'HASH' }],
    }),
  );
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
    launchTable,
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
  const { task, inputBucket, launchTable } = opts.stack;
  const bundle = await bundleLambda({ entry: join(packageDir, 'src/handler.ts'), outdir: join(tmpdir(), opts.name) });
  return deployFunction({
    name: opts.name,
    zip: bundle.zip,
    memoryMb: 256,
    timeoutSeconds: 30,
    environment: {
      CLUSTER: task.cluster,
      // As the stack does: the revision's ARN, which the role's RunTask grant names.
      TASK_DEFINITION: task.taskDefinitionArn,
      CONTAINER_NAME: task.containerName,
      // The emulator does not check subnets; on AWS these are private subnets of the VPC.
      SUBNETS: 'subnet-0a1b2c3d4e5f67890',
      SECURITY_GROUPS: 'sg-0a1b2c3d4e5f67890',
      LAUNCH_TABLE: launchTable,
      POWERTOOLS_LOG_LEVEL: 'INFO',
      ...opts.environment,
    },
    statements: [
      {
        Effect: 'Allow',
        Action: ['ecs:RunTask'],
        Resource: [task.taskDefinitionArn],
        Condition: { ArnEquals: { 'ecs:cluster': task.clusterArn } },
      },
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Resource: [`arn:aws:dynamodb:*:*:table/${launchTable}`],
      },
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${inputBucket}/*`] },
      // So that HeadObject of a missing key answers 404, not 403 (as on AWS; see infra/stack.ts).
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [`arn:aws:s3:::${inputBucket}`] },
    ],
  });
}
