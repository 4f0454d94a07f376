import { cfnLint, roleStatements, synthStack, TEST_ENV } from '@samples/cdk';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TASK_ENV } from '../src/contract.ts';
import { stackProps } from './app.ts';
import { TranscoderStack } from './stack.ts';

let template: Template;
let findings: string[];
/** The same stack reading only under `uploads/`, as the launcher and the pipeline start it. */
let prefixed: { template: Template; findings: string[] };
let props: Awaited<ReturnType<typeof stackProps>>;

beforeAll(async () => {
  props = await stackProps();
  ({ template, findings } = synthStack((app) => new TranscoderStack(app, 'Transcoder', { ...props, env: TEST_ENV })));
  prefixed = synthStack(
    (app) => new TranscoderStack(app, 'Transcoder', { ...props, inputPrefix: 'uploads/', env: TEST_ENV }),
  );
}, 120_000);

const listBucket = (t: Template) =>
  roleStatements(t, 'TranscoderTaskTaskRole').filter((s) => [s.Action].flat().includes('s3:ListBucket'));

describe('TranscoderStack', () => {
  it('passes the cdk-nag AwsSolutions pack', () => {
    expect(findings).toEqual([]);
    expect(prefixed.findings).toEqual([]);
  });

  it('passes cfn-lint: no error, no warning that is not acknowledged with a reason', () => {
    expect(cfnLint(template.toJSON(), TEST_ENV.region!)).toEqual([]);
  }, 120_000);

  // GetObject API reference, Permissions: "If the object that you request doesn't exist, the
  // error that Amazon S3 returns depends on whether you also have the s3:ListBucket permission":
  // 404 Not Found (NoSuchKey) with it, 403 Access Denied without it
  // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html). The task reports a
  // missing source (NoSuchKey) as invalid input, exit 2; a 403 would be exit 1 and retried.
  it('lets the task tell a missing source from a forbidden one: s3:ListBucket on the input bucket', () => {
    expect(listBucket(template)).toEqual([
      {
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^BucketsUploads/), 'Arn'] },
      },
    ]);
  });

  it('narrows s3:ListBucket to the input prefix (s3:prefix condition) when the task reads only under one', () => {
    expect(listBucket(prefixed.template)).toEqual([
      {
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^BucketsUploads/), 'Arn'] },
        Condition: { StringLike: { 's3:prefix': 'uploads/*' } },
      },
    ]);
    const get = roleStatements(prefixed.template, 'TranscoderTaskTaskRole').find((s) => s.Action === 's3:GetObject');
    expect(JSON.stringify(get?.Resource)).toContain('/uploads/*');
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

  it('lets the task read uploads and write only under processed/, never delete', () => {
    // A retry overwrites; the task deletes nothing (an earlier run's outputs are what its manifest names).
    const statements = roleStatements(template, 'TranscoderTaskTaskRole');
    expect(statements.map((s) => [s.Action].flat().sort())).toEqual([
      ['s3:GetObject'],
      ['s3:ListBucket'],
      ['s3:AbortMultipartUpload', 's3:PutObject'],
    ]);
    expect(JSON.stringify(statements[2]?.Resource)).toContain('/processed/*');
  });

  it('puts tasks in isolated subnets behind a security group with no inbound rule, flow logs on', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^Transcoder tasks'),
      SecurityGroupIngress: Match.absent(),
    });
    template.resourceCountIs('AWS::EC2::FlowLog', 1);
    // No route to the internet: S3 through a gateway endpoint, ECR and Logs through interface ones.
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.resourceCountIs('AWS::EC2::EIP', 0);
    const endpoints = Object.values(template.findResources('AWS::EC2::VPCEndpoint')).map((r) =>
      JSON.stringify(r.Properties.ServiceName),
    );
    expect(endpoints.map((e) => e.match(/(s3|ecr\.api|ecr\.dkr|logs)/)?.[1]).sort()).toEqual([
      'ecr.api',
      'ecr.dkr',
      'logs',
      's3',
    ]);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^Transcoder VPC endpoints'),
      SecurityGroupIngress: [Match.objectLike({ CidrIp: '10.0.0.0/16', FromPort: 443, ToPort: 443 })],
    });
  });

  it('with flowLogs: false creates no flow log and says so to cdk-nag', () => {
    const { template: without, findings } = synthStack(
      (app) => new TranscoderStack(app, 'NoFlowLogs', { ...props, network: { flowLogs: false }, env: TEST_ENV }),
    );
    expect(findings).toEqual([]);
    without.resourceCountIs('AWS::EC2::FlowLog', 0);
  });
});
