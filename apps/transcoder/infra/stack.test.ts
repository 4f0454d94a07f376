import { synthWithNag, testApp } from '@samples/cdk';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TASK_ENV } from '../src/contract.ts';
import { stackProps } from './app.ts';
import { TranscoderStack } from './stack.ts';

let template: Template;
let findings: string[];

beforeAll(async () => {
  const props = await stackProps();
  ({ template, findings } = synthWithNag(() => {
    const app = testApp();
    const stack = new TranscoderStack(app, 'Transcoder', {
      ...props,
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    return { app, stack };
  }));
}, 120_000);

describe('TranscoderStack', () => {
  it('passes the cdk-nag AwsSolutions pack', () => {
    expect(findings).toEqual([]);
  });

  it('defines a Fargate task from the image asset, x86_64, with room for the video on disk', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['FARGATE'],
      Cpu: '2048',
      Memory: '4096',
      EphemeralStorage: { SizeInGiB: 50 },
      RuntimePlatform: { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' },
      ContainerDefinitions: [
        Match.objectLike({
          Name: 'transcoder',
          StopTimeout: 30,
          Environment: Match.arrayWith([
            { Name: TASK_ENV.outputBucket, Value: Match.anyValue() },
            { Name: TASK_ENV.outputPrefix, Value: 'processed' },
          ]),
        }),
      ],
    });
  });

  it('lets the task read uploads and write only under processed/', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref.startsWith('TranscoderTaskTaskRole')))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
    expect(statements.map((s) => [s.Action].flat().sort())).toEqual([
      ['s3:GetObject'],
      ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:PutObject'],
    ]);
    expect(JSON.stringify(statements[1]?.Resource)).toContain('/processed/*');
  });

  it('puts tasks in private subnets behind a security group with no inbound rule, flow logs on', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^Transcoder tasks'),
      SecurityGroupIngress: Match.absent(),
    });
    template.resourceCountIs('AWS::EC2::FlowLog', 1);
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
  });
});
