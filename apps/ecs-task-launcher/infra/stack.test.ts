import { cfnLint, roleStatements, synthStack, TEST_ENV } from '@samples/cdk';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { stackProps } from './app.ts';
import { EcsTaskLauncherStack } from './stack.ts';

let template: Template;
let findings: string[];
let spot: { template: Template; findings: string[] };

beforeAll(async () => {
  const props = await stackProps();
  const make = (capacityProvider: 'FARGATE' | 'FARGATE_SPOT') =>
    synthStack(
      (app) => new EcsTaskLauncherStack(app, 'EcsTaskLauncher', { ...props, capacityProvider, env: TEST_ENV }),
    );
  ({ template, findings } = make('FARGATE'));
  spot = make('FARGATE_SPOT');
}, 120_000);

const launcherStatements = (t: Template) => roleStatements(t, 'LauncherRole');

describe('EcsTaskLauncherStack', () => {
  it('passes the cdk-nag AwsSolutions pack, on FARGATE and on FARGATE_SPOT', () => {
    expect(findings).toEqual([]);
    expect(spot.findings).toEqual([]);
  });

  it('passes cfn-lint: no error, no warning that is not acknowledged with a reason', () => {
    expect(cfnLint(template.toJSON(), TEST_ENV.region!)).toEqual([]);
    expect(cfnLint(spot.template.toJSON(), TEST_ENV.region!)).toEqual([]);
  }, 120_000);

  it('configures the function with the cluster, the task definition and private subnets', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: Match.objectLike({ LogFormat: 'JSON' }),
      Environment: {
        Variables: Match.objectLike({
          CLUSTER: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TranscoderCluster'), 'Arn'] },
          TASK_DEFINITION: { Ref: Match.stringLikeRegexp('^TranscoderTask') },
          CONTAINER_NAME: 'transcoder',
          CAPACITY_PROVIDER: 'FARGATE',
          SUBNETS: Match.anyValue(),
          SECURITY_GROUPS: Match.anyValue(),
          LAUNCH_TABLE: { Ref: Match.stringLikeRegexp('^LaunchTable') },
        }),
      },
    });
  });

  it("holds a claim longer than the function's timeout, so an expired lease has no live holder", () => {
    const fn = Object.values(template.findResources('AWS::Lambda::Function')).find(
      (f) => f.Properties.Environment?.Variables?.LAUNCH_TABLE,
    );
    expect(Number(fn?.Properties.Environment.Variables.CLAIM_LEASE_SECONDS)).toBeGreaterThan(fn?.Properties.Timeout);
  });

  it('lets it start only that task definition in that cluster, pass only its roles, and use only its table', () => {
    const s = launcherStatements(template);
    const byAction = (a: string) => s.filter((x) => [x.Action].flat().includes(a));
    expect(byAction('ecs:RunTask')).toEqual([
      expect.objectContaining({
        Resource: { Ref: expect.stringMatching(/^TranscoderTask/) },
        Condition: {
          ArnEquals: { 'ecs:cluster': { 'Fn::GetAtt': [expect.stringMatching(/^TranscoderCluster/), 'Arn'] } },
        },
      }),
    ]);
    // The record of started uploads: read, claim, update; no Scan, Query, DeleteItem or BatchWrite.
    expect(byAction('dynamodb:PutItem')).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^LaunchTable/), 'Arn'] },
      },
    ]);
    expect(byAction('iam:PassRole')[0]?.Condition).toEqual({
      StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
    });
    expect(byAction('iam:PassRole')[0]?.Resource).toHaveLength(2);
    expect(s.flatMap((x) => [x.Action].flat()).sort()).toEqual(
      [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'ecs:RunTask',
        'iam:PassRole',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        's3:GetObject',
        's3:ListBucket',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
  });

  it('lets it tell a missing upload from a forbidden one: s3:ListBucket on the uploads bucket, under the prefix', () => {
    // HeadObject/GetObject API reference (Permissions): "If the object you request doesn't
    // exist, the error that Amazon S3 returns depends on whether you also have the
    // s3:ListBucket permission": 404 Not Found with it, 403 Forbidden without it
    // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html). The launcher
    // HeadObjects the key a direct call names and reports a 404 as "does not exist".
    const s = launcherStatements(template).filter((x) => [x.Action].flat().includes('s3:ListBucket'));
    expect(s).toEqual([
      {
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^BucketsUploads/), 'Arn'] },
        Condition: { StringLike: { 's3:prefix': 'uploads/*' } },
      },
    ]);
    const get = launcherStatements(template).find((x) => [x.Action].flat().includes('s3:GetObject'));
    expect(JSON.stringify(get?.Resource)).toContain('/uploads/*');
  });

  it('keeps the record of started uploads in an encrypted table with point-in-time recovery, kept on delete', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: [{ AttributeName: 'token', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
      DeletionPolicy: 'Retain',
    });
    // No TTL: a record that expired would let a late re-delivery start the upload's task again.
    const tables = Object.values(template.findResources('AWS::DynamoDB::Table'));
    expect(tables).toHaveLength(1);
    expect(tables[0]?.Properties.TimeToLiveSpecification).toBeUndefined();
  });

  it('gives the task read (and list, for 404s) on uploads/ and write, never delete, under processed/ only', () => {
    const statements = roleStatements(template, 'TranscoderTaskTaskRole');
    expect(statements.map((x) => [x.Action].flat().sort())).toEqual([
      ['s3:GetObject'],
      ['s3:ListBucket'],
      // No s3:DeleteObject: a retry overwrites, and nothing an earlier run completed is deleted.
      ['s3:AbortMultipartUpload', 's3:PutObject'],
    ]);
    expect(statements[1]?.Condition).toEqual({ StringLike: { 's3:prefix': 'uploads/*' } });
    expect(JSON.stringify(statements[2]?.Resource)).toContain('/processed/*');
  });

  it('is triggered by uploads, keeps failed events in a queue and alarms', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 2 });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2);
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
  });

  it('names in its outputs the buckets, the table, the function, the cluster and the task definition', () => {
    const outputs = template.findOutputs('*');
    expect(Object.keys(outputs).sort()).toEqual([
      'Cluster',
      'LaunchTableName',
      'LauncherFunctionName',
      'RenditionsBucket',
      'TaskDefinition',
      'UploadsBucket',
    ]);
    const value = (name: string) => outputs[name]?.Value;
    expect(value('UploadsBucket')).toEqual({ Ref: expect.stringMatching(/^BucketsUploads/) });
    expect(value('RenditionsBucket')).toEqual({ Ref: expect.stringMatching(/^BucketsRenditions/) });
    expect(value('LaunchTableName')).toEqual({ Ref: expect.stringMatching(/^LaunchTable/) });
    expect(value('Cluster')).toEqual({ Ref: expect.stringMatching(/^TranscoderCluster/) });
    expect(value('TaskDefinition')).toEqual({ Ref: expect.stringMatching(/^TranscoderTask/) });
    // The function the upload trigger invokes, not the bucket-notification custom resource's.
    const fnId = (value('LauncherFunctionName') as { Ref: string }).Ref;
    template.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] },
      Principal: 's3.amazonaws.com',
    });
  });

  it('adds FARGATE_SPOT to the cluster when asked', () => {
    spot.template.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', {
      CapacityProviders: Match.arrayWith(['FARGATE', 'FARGATE_SPOT']),
    });
    spot.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ CAPACITY_PROVIDER: 'FARGATE_SPOT' }) },
    });
  });
});
