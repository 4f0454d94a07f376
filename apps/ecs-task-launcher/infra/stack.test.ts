import { roleStatements, synthStack, TEST_ENV } from '@samples/cdk';
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
        }),
      },
    });
  });

  it('lets it start only that task definition in that cluster, pass only its roles, list only that cluster', () => {
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
    expect(byAction('ecs:ListTasks')[0]?.Condition).toEqual({
      ArnEquals: { 'ecs:cluster': { 'Fn::GetAtt': [expect.stringMatching(/^TranscoderCluster/), 'Arn'] } },
    });
    expect(byAction('iam:PassRole')[0]?.Condition).toEqual({
      StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
    });
    expect(byAction('iam:PassRole')[0]?.Resource).toHaveLength(2);
    expect(s.flatMap((x) => [x.Action].flat()).sort()).toEqual(
      [
        'ecs:ListTasks',
        'ecs:RunTask',
        'iam:PassRole',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        's3:GetObject',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
  });

  it('gives the task read on uploads and write under processed/ only', () => {
    const statements = roleStatements(template, 'TranscoderTaskTaskRole');
    expect(statements.map((x) => [x.Action].flat().sort())).toEqual([
      ['s3:GetObject'],
      ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:PutObject'],
    ]);
    expect(JSON.stringify(statements[1]?.Resource)).toContain('/processed/*');
  });

  it('is triggered by uploads, keeps failed events in a queue and alarms', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 2 });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2);
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
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
