import { readFileSync } from 'node:fs';
import { cfnLint, roleStatements, synthStack, TEST_ENV } from '@samples/cdk';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../src/limits.ts';
import { DEFINITION_FILE } from '../test/stack.ts';
import { stackProps } from './app.ts';
import { VideoPipelineStack } from './stack.ts';

let template: Template;
let findings: string[];

beforeAll(async () => {
  const props = await stackProps();
  ({ template, findings } = synthStack(
    (app) => new VideoPipelineStack(app, 'VideoPipeline', { ...props, env: TEST_ENV }),
  ));
}, 120_000);

const statementsOf = (rolePrefix: string) => roleStatements(template, rolePrefix);
const actions = (s: { Action: string | string[] }[]) => s.flatMap((x) => [x.Action].flat()).sort();

describe('VideoPipelineStack', () => {
  it('passes the cdk-nag AwsSolutions pack (every suppression has a reason)', () => {
    expect(findings).toEqual([]);
  });

  it('passes cfn-lint: no error, no warning that is not acknowledged with a reason', () => {
    expect(cfnLint(template.toJSON(), TEST_ENV.region!)).toEqual([]);
  }, 120_000);

  it('deploys the repository ASL file as a STANDARD state machine with logging and tracing', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: false }),
      DefinitionSubstitutions: Match.objectLike({
        ContainerName: 'transcoder',
        OutputPrefix: 'processed',
        ClusterArn: Match.anyValue(),
        TaskDefinitionArn: Match.anyValue(),
        Subnets: Match.anyValue(),
      }),
    });
    // The file is uploaded as an asset; every placeholder in it has a substitution.
    const sm = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0];
    expect(sm?.Properties.DefinitionS3Location).toBeDefined();
    const placeholders = [...readFileSync(DEFINITION_FILE, 'utf8').matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]);
    expect(Object.keys(sm?.Properties.DefinitionSubstitutions).sort()).toEqual([...new Set(placeholders)].sort());
  });

  it('runs the transcoder as a non-public Fargate task, logs kept a month', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['FARGATE'],
      NetworkMode: 'awsvpc',
      Cpu: '2048',
      Memory: '4096',
      ContainerDefinitions: [
        Match.objectLike({
          Name: 'transcoder',
          Essential: true,
          LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
        }),
      ],
    });
    template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
  });

  it('gives the state machine only what the definition calls', () => {
    expect(actions(statementsOf('PipelineRole'))).toEqual(
      [
        'ecs:DescribeTasks',
        'ecs:RunTask',
        'ecs:StopTask',
        'events:DescribeRule',
        'events:PutRule',
        'events:PutTargets',
        'iam:PassRole',
        'lambda:InvokeFunction',
        'lambda:InvokeFunction',
        'logs:CreateLogDelivery',
        'logs:DeleteLogDelivery',
        'logs:DescribeLogGroups',
        'logs:DescribeResourcePolicies',
        'logs:GetLogDelivery',
        'logs:ListLogDeliveries',
        'logs:PutResourcePolicy',
        'logs:UpdateLogDelivery',
        'xray:GetSamplingRules',
        'xray:GetSamplingTargets',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
    const runTask = statementsOf('PipelineRole').find((s) => s.Action === 'ecs:RunTask');
    expect(runTask?.Condition).toEqual({
      ArnEquals: { 'ecs:cluster': { 'Fn::GetAtt': [expect.stringMatching(/^TranscoderCluster/), 'Arn'] } },
    });
  });

  it('lets each function do one thing', () => {
    expect(actions(statementsOf('ValidateVideoRole'))).toEqual(
      [
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        's3:GetObject',
        's3:ListBucket',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
    expect(actions(statementsOf('NotifyRole'))).toEqual(
      [
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        's3:GetObject',
        's3:ListBucket',
        'sns:Publish',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
    expect(actions(statementsOf('TriggerRole'))).toEqual(
      [
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
        'states:StartExecution',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
  });

  it('grants s3:ListBucket, for the prefix only, to the functions that tell a missing object from a denied one', () => {
    // S3 (GetObject / HeadObject API reference, "Permissions"): for a key that does not exist,
    // S3 answers 404 NoSuchKey to a caller with s3:ListBucket on the bucket and 403 AccessDenied
    // to one without it. ValidateVideo and Notify branch on a missing object.
    const listing = (rolePrefix: string) => statementsOf(rolePrefix).filter((s) => s.Action === 's3:ListBucket');
    const bucketArn = (prefix: string) => ({ 'Fn::GetAtt': [expect.stringMatching(new RegExp(`^${prefix}`)), 'Arn'] });
    expect(listing('ValidateVideoRole')).toEqual([
      expect.objectContaining({
        Resource: bucketArn('BucketsUploads'),
        Condition: { StringLike: { 's3:prefix': 'uploads/*' } },
      }),
    ]);
    expect(listing('NotifyRole')).toEqual([
      expect.objectContaining({
        Resource: bucketArn('BucketsRenditions'),
        Condition: { StringLike: { 's3:prefix': 'processed/manifest/*' } },
      }),
    ]);
  });

  it('takes its limits from src/limits.ts: the size ValidateVideo accepts, the duration every task accepts', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('ValidateVideo'),
      Environment: { Variables: Match.objectLike({ MAX_INPUT_BYTES: String(LIMITS.maxInputBytes) }) },
    });
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      DefinitionSubstitutions: Match.objectLike({ MaxDurationSeconds: String(LIMITS.maxDurationSeconds) }),
    });
  });

  it('starts executions from uploads, keeps failed events, and alarms', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          Match.objectLike({
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'uploads/' }] } },
          }),
        ],
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
  });
});
