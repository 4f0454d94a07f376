import { roleStatements, synthStack, TEST_ENV } from '@samples/cdk';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TASK_ENV } from '../src/contract.ts';
import { stackProps } from './app.ts';
import { TranscoderStack } from './stack.ts';

let template: Template;
let findings: string[];

beforeAll(async () => {
  const props = await stackProps();
  ({ template, findings } = synthStack((app) => new TranscoderStack(app, 'Transcoder', { ...props, env: TEST_ENV })));
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
    const statements = roleStatements(template, 'TranscoderTaskTaskRole');
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
