import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { bundleLambda } from '@samples/build';
import { deployFunction, ensureRole, notifyOnUpload, subscribeQueue } from '@samples/emulator/deploy';
import { deployTranscoderTask, type TranscoderTask } from '@samples/transcoder/ecs';
import { checkDefinitionLimits, limitSubstitutions } from '../infra/definition.ts';
import { LIMITS } from '../src/limits.ts';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** The state machine's definition, the one file the tests and the CDK stack both deploy. */
export const DEFINITION_FILE = join(packageDir, 'statemachine', 'video-pipeline.asl.json');

/** Fills `${Name}` placeholders as CDK's `definitionSubstitutions` does; an unknown name is an error. */
export function substitute(template: string, values: Record<string, string>): string {
  return template.replace(/\$\{(\w+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for \${${name}} in ${DEFINITION_FILE}`);
    // Values land inside JSON strings.
    return JSON.stringify(value).slice(1, -1);
  });
}

/**
 * ministack 1.5.33's `ecs:runTask.sync` returns DescribeTasks' own answer,
 * `{ tasks: [{ containers: [{ exitCode }] }] }` in camelCase, where AWS returns the stopped task
 * itself in PascalCase, `{ Containers: [{ ExitCode }] }` (and fails the state on a non-zero
 * exit). The deployment for the emulator adds one rule and one state that map the first shape
 * onto the second; the definition's own states are unchanged, and on a backend that answers as
 * AWS does the added rule never matches (the definition's own rule comes first).
 */
export function acceptDescribeTasksShape(definition: string): string {
  const asl = JSON.parse(definition) as { States: Record<string, { Choices?: unknown[] } & Record<string, unknown>> };
  const task = '$.transcode.task.tasks[0]';
  asl.States.HasExitCode?.Choices?.push({
    Variable: `${task}.containers[0].exitCode`,
    IsPresent: true,
    Next: 'FromDescribeTasksShape',
  });
  asl.States.FromDescribeTasksShape = {
    Type: 'Pass',
    Comment: "The emulator's runTask.sync output in the shape of AWS's",
    Parameters: {
      'attempt.$': '$.transcode.attempt',
      'retryDelaySeconds.$': '$.transcode.retryDelaySeconds',
      task: {
        'TaskArn.$': `${task}.taskArn`,
        Containers: [{ 'ExitCode.$': `${task}.containers[0].exitCode` }],
      },
    },
    ResultPath: '$.transcode',
    Next: 'ExitCode',
  };
  return JSON.stringify(asl);
}

export interface PipelineStack {
  name: string;
  inputBucket: string;
  outputBucket: string;
  stateMachineArn: string;
  triggerFunction: string;
  topicArn: string;
  /** An SQS queue subscribed to every notice. */
  noticesUrl: string;
  task: TranscoderTask;
}

async function lambdaBundle(name: string, entry: string) {
  return (await bundleLambda({ entry: join(packageDir, 'src', entry), outdir: join(tmpdir(), name) })).zip;
}

/**
 * Test, demo and benchmark tooling: the pipeline deployed into the emulator as on AWS: the
 * transcoder's task definition, ValidateVideo, Notify and the trigger as Lambda functions
 * with least-privilege roles, the state machine from the repository's ASL file, an SNS topic
 * with a queue subscribed, and uploads under `uploads/` starting executions.
 */
export async function deployPipeline(
  name: string,
  opts: {
    outputPrefix?: string /** false: the output bucket is left for the caller to create. */;
    createOutputBucket?: boolean;
  } = {},
): Promise<PipelineStack> {
  const s3 = new S3Client({});
  const sns = new SNSClient({});
  const sqs = new SQSClient({});
  const inputBucket = `${name}-in`;
  const outputBucket = `${name}-out`;
  const outputPrefix = opts.outputPrefix ?? 'processed';
  await s3.send(new CreateBucketCommand({ Bucket: inputBucket }));
  if (opts.createOutputBucket !== false) await s3.send(new CreateBucketCommand({ Bucket: outputBucket }));

  const topicArn = (await sns.send(new CreateTopicCommand({ Name: `${name}-notices` }))).TopicArn!;
  const { url: noticesUrl } = await subscribeQueue({ sns, sqs, topicArn, queueName: `${name}-notices` });

  const task = await deployTranscoderTask({
    cluster: `${name}-cluster`,
    family: `${name}-transcoder`,
    outputBucket,
  });

  const validateArn = await deployFunction({
    name: `${name}-validate`,
    zip: await lambdaBundle(`${name}-validate`, 'validate.ts'),
    memoryMb: 256,
    timeoutSeconds: 30,
    environment: { POWERTOOLS_SERVICE_NAME: 'video-pipeline', MAX_INPUT_BYTES: String(LIMITS.maxInputBytes) },
    statements: [
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${inputBucket}/*`] },
      // A missing key is 404 only with s3:ListBucket; otherwise 403 (see src/missing.ts).
      {
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: [`arn:aws:s3:::${inputBucket}`],
        Condition: { StringLike: { 's3:prefix': ['uploads/*'] } },
      },
    ],
  });
  const notifyArn = await deployFunction({
    name: `${name}-notify`,
    zip: await lambdaBundle(`${name}-notify`, 'notify.ts'),
    memoryMb: 256,
    timeoutSeconds: 30,
    environment: {
      TOPIC_ARN: topicArn,
      OUTPUT_BUCKET: outputBucket,
      OUTPUT_PREFIX: outputPrefix,
      POWERTOOLS_SERVICE_NAME: 'video-pipeline',
    },
    statements: [
      {
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: [`arn:aws:s3:::${outputBucket}/${outputPrefix}/manifest/*`],
      },
      {
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: [`arn:aws:s3:::${outputBucket}`],
        Condition: { StringLike: { 's3:prefix': [`${outputPrefix}/manifest/*`] } },
      },
      { Effect: 'Allow', Action: ['sns:Publish'], Resource: [topicArn] },
    ],
  });

  const roleArn = await ensureRole(
    new IAMClient({}),
    `${name}-states`.slice(0, 64),
    [
      { Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: [validateArn, notifyArn] },
      { Effect: 'Allow', Action: ['ecs:RunTask'], Resource: [task.taskDefinitionArn] },
      { Effect: 'Allow', Action: ['ecs:StopTask', 'ecs:DescribeTasks'], Resource: ['*'] },
      {
        Effect: 'Allow',
        Action: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        Resource: ['arn:aws:events:*:*:rule/StepFunctionsGetEventsForECSTaskRule'],
      },
    ],
    'states.amazonaws.com',
  );
  const text = readFileSync(DEFINITION_FILE, 'utf8');
  checkDefinitionLimits(text, DEFINITION_FILE);
  const filled = substitute(text, {
    ValidateVideoFunctionArn: validateArn,
    NotifyFunctionArn: notifyArn,
    ClusterArn: task.clusterArn,
    TaskDefinitionArn: task.taskDefinitionArn,
    ContainerName: task.containerName,
    // The emulator does not check these; on AWS they are the VPC's private subnets.
    Subnets: 'subnet-0a1b2c3d4e5f67890,subnet-0a1b2c3d4e5f67891',
    SecurityGroups: 'sg-0a1b2c3d4e5f67890',
    OutputBucket: outputBucket,
    OutputPrefix: outputPrefix,
    ...limitSubstitutions(),
  });
  const definition = acceptDescribeTasksShape(filled);
  const stateMachineArn = (
    await new SFNClient({}).send(
      new CreateStateMachineCommand({ name: `${name}-pipeline`, definition, roleArn, type: 'STANDARD' }),
    )
  ).stateMachineArn!;

  const triggerFunction = `${name}-trigger`;
  const triggerArn = await deployFunction({
    name: triggerFunction,
    zip: await lambdaBundle(triggerFunction, 'trigger.ts'),
    memoryMb: 256,
    timeoutSeconds: 30,
    environment: { STATE_MACHINE_ARN: stateMachineArn, POWERTOOLS_SERVICE_NAME: 'video-pipeline' },
    statements: [{ Effect: 'Allow', Action: ['states:StartExecution'], Resource: [stateMachineArn] }],
  });
  await notifyOnUpload(inputBucket, triggerArn, { prefix: 'uploads/' });

  return { name, inputBucket, outputBucket, stateMachineArn, triggerFunction, topicArn, noticesUrl, task };
}
