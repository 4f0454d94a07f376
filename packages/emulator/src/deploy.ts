import {
  CreateRoleCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  type Runtime,
} from '@aws-sdk/client-lambda';
import { PutBucketNotificationConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { type SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { waitFor } from './waiters.ts';

const trustFor = (service: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  });

export interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/**
 * Creates (or reuses) a role the service (Lambda unless told) assumes, with the given inline
 * statements; returns its ARN.
 */
export async function ensureRole(
  iam: IAMClient,
  name: string,
  statements: PolicyStatement[],
  service = 'lambda.amazonaws.com',
): Promise<string> {
  let arn: string | undefined;
  try {
    arn = (await iam.send(new GetRoleCommand({ RoleName: name }))).Role?.Arn;
  } catch {
    arn = (await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trustFor(service) }))).Role
      ?.Arn;
  }
  if (statements.length > 0) {
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: name,
        PolicyName: `${name}-policy`,
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
      }),
    );
  }
  if (!arn) throw new Error(`IAM did not return an ARN for role ${name}`);
  return arn;
}

export interface FunctionSpec {
  name: string;
  zip: Uint8Array;
  handler?: string;
  runtime?: Runtime | string;
  memoryMb?: number;
  timeoutSeconds?: number;
  environment?: Record<string, string>;
  statements?: PolicyStatement[];
}

/** Deploys a zip as a Lambda function and waits until it is Active; returns its ARN. */
export async function deployFunction(spec: FunctionSpec, clients = defaultClients()): Promise<string> {
  const role = await ensureRole(clients.iam, `${spec.name}-role`.slice(0, 64), spec.statements ?? []);
  const created = await clients.lambda.send(
    new CreateFunctionCommand({
      FunctionName: spec.name,
      Runtime: (spec.runtime ?? 'nodejs24.x') as Runtime,
      Handler: spec.handler ?? 'index.handler',
      Role: role,
      Code: { ZipFile: spec.zip },
      MemorySize: spec.memoryMb ?? 512,
      Timeout: spec.timeoutSeconds ?? 30,
      Environment: { Variables: spec.environment ?? {} },
    }),
  );
  await waitFor(`Lambda function ${spec.name} to become Active`, async () => {
    const c = await clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: spec.name }));
    if (c.State === 'Failed') throw new Error(`function ${spec.name} failed: ${c.StateReason}`);
    return c.State === 'Active' ? true : undefined;
  });
  if (!created.FunctionArn) throw new Error(`Lambda did not return an ARN for ${spec.name}`);
  return created.FunctionArn;
}

export async function deleteFunction(name: string, clients = defaultClients()): Promise<void> {
  await clients.lambda.send(new DeleteFunctionCommand({ FunctionName: name })).catch(() => undefined);
}

/** Invokes synchronously and returns the decoded payload, the function error and the log tail. */
export async function invoke<T = unknown>(
  name: string,
  payload: unknown,
  clients = defaultClients(),
): Promise<{ payload: T; functionError: string | undefined; log: string }> {
  const res = await clients.lambda.send(
    new InvokeCommand({
      FunctionName: name,
      Payload: Buffer.from(JSON.stringify(payload)),
      LogType: 'Tail',
    }),
  );
  const text = res.Payload ? Buffer.from(res.Payload).toString('utf8') : '';
  return {
    payload: (text ? JSON.parse(text) : undefined) as T,
    functionError: res.FunctionError,
    log: res.LogResult ? Buffer.from(res.LogResult, 'base64').toString('utf8') : '',
  };
}

/**
 * Lets S3 invoke the function and sends the bucket's ObjectCreated events to it (optionally
 * only for keys under `prefix`), as an S3 trigger does on AWS. Replaces the bucket's
 * notification configuration.
 */
export async function notifyOnUpload(
  bucket: string,
  functionArn: string,
  opts: { prefix?: string } = {},
  clients = { ...defaultClients(), s3: new S3Client({}) },
): Promise<void> {
  await clients.lambda.send(
    new AddPermissionCommand({
      FunctionName: functionArn,
      StatementId: `s3-invoke-${bucket}`.slice(0, 100),
      Action: 'lambda:InvokeFunction',
      Principal: 's3.amazonaws.com',
      SourceArn: `arn:aws:s3:::${bucket}`,
    }),
  );
  await clients.s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          {
            LambdaFunctionArn: functionArn,
            Events: ['s3:ObjectCreated:*'],
            ...(opts.prefix ? { Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: opts.prefix }] } } } : {}),
          },
        ],
      },
    }),
  );
}

function defaultClients() {
  return { iam: new IAMClient({}), lambda: new LambdaClient({}) };
}

/**
 * A queue that receives what a topic publishes, to observe it in tests. Its policy lets that
 * topic send to it: SNS delivers to an SQS queue only when the queue's policy allows it, on AWS
 * and in an emulator that enforces IAM.
 */
export async function subscribeQueue(opts: {
  sns: SNSClient;
  sqs: SQSClient;
  topicArn: string;
  queueName: string;
  filterPolicy?: Record<string, unknown>;
}): Promise<{ url: string; arn: string }> {
  const url = (await opts.sqs.send(new CreateQueueCommand({ QueueName: opts.queueName }))).QueueUrl as string;
  const attrs = await opts.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  const arn = attrs.Attributes?.QueueArn as string;
  const policy = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'sns.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: arn,
        Condition: { ArnEquals: { 'aws:SourceArn': opts.topicArn } },
      },
    ],
  };
  await opts.sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: JSON.stringify(policy) } }));
  await opts.sns.send(
    new SubscribeCommand({
      TopicArn: opts.topicArn,
      Protocol: 'sqs',
      Endpoint: arn,
      ...(opts.filterPolicy ? { Attributes: { FilterPolicy: JSON.stringify(opts.filterPolicy) } } : {}),
    }),
  );
  return { url, arn };
}

/** Whether a statement allows an action (named exactly). */
export function allows(action: string): (st: PolicyStatement) => boolean {
  return (st) => st.Effect === 'Allow' && ([] as string[]).concat(st.Action).includes(action);
}

/**
 * Takes the statements matching `which` out of a deployed role's inline policies, as a
 * remove-a-statement test needs; returns what puts them back. Throws if no statement matched.
 */
export async function removeStatements(
  roleName: string,
  which: (st: PolicyStatement) => boolean,
  iam = new IAMClient({}),
): Promise<{ restore(): Promise<void>; removed: PolicyStatement[] }> {
  const { PolicyNames = [] } = await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }));
  const changed: { PolicyName: string; document: { Statement: PolicyStatement[] } }[] = [];
  const removed: PolicyStatement[] = [];
  for (const PolicyName of PolicyNames) {
    const p = await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName }));
    const document = JSON.parse(decodeURIComponent(p.PolicyDocument ?? '{}')) as { Statement: PolicyStatement[] };
    const matching = ([] as PolicyStatement[]).concat(document.Statement).filter(which);
    if (matching.length === 0) continue;
    removed.push(...matching);
    changed.push({ PolicyName, document });
    const kept = {
      ...document,
      Statement: ([] as PolicyStatement[]).concat(document.Statement).filter((st) => !which(st)),
    };
    await iam.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName, PolicyDocument: JSON.stringify(kept) }));
  }
  if (removed.length === 0) throw new Error(`no inline policy of role ${roleName} has the statement to remove`);
  return {
    removed,
    async restore() {
      for (const { PolicyName, document } of changed) {
        await iam.send(
          new PutRolePolicyCommand({ RoleName: roleName, PolicyName, PolicyDocument: JSON.stringify(document) }),
        );
      }
    },
  };
}
