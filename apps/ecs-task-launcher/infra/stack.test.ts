import { synthWithNag, testApp } from '@samples/cdk';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { stackProps } from './app.ts';
import { EcsTaskLauncherStack } from './stack.ts';

let template: Template;
let findings: string[];
let spot: { template: Template; findings: string[] };

beforeAll(async () => {
  const props = await stackProps();
  const make = (capacityProvider: 'FARGATE' | 'FARGATE_SPOT') => () => {
    const app = testApp();
    const stack = new EcsTaskLauncherStack(app, 'EcsTaskLauncher', {
      ...props,
      capacityProvider,
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    return { app, stack };
  };
  ({ template, findings } = synthWithNag(make('FARGATE')));
  spot = synthWithNag(make('FARGATE_SPOT'));
}, 120_000);

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };
function launcherStatements(t: Template): Statement[] {
  return Object.values(t.findResources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref.startsWith('LauncherRole')))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

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
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref.startsWith('TranscoderTaskTaskRole')),
    );
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
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
