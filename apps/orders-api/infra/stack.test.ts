import { cfnLint, roleStatements, synthStack, TEST_ENV } from '@samples/cdk';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { stackProps } from './app.ts';
import { OrdersApiStack } from './stack.ts';

let template: Template;
let findings: string[];
let secured: { template: Template; findings: string[] };

const CERT = 'arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000';

beforeAll(async () => {
  const props = await stackProps();
  ({ template, findings } = synthStack((app) => new OrdersApiStack(app, 'OrdersApi', { ...props, env: TEST_ENV })));
  secured = synthStack(
    (app) =>
      new OrdersApiStack(app, 'OrdersApi', {
        ...props,
        certificateArn: CERT,
        jwt: { issuer: 'https://issuer.example.com', jwksEndpoint: 'https://issuer.example.com/jwks' },
        env: TEST_ENV,
      }),
  );
}, 120_000);

describe('OrdersApiStack', () => {
  it('passes the cdk-nag AwsSolutions pack', () => {
    expect(findings).toEqual([]);
    expect(secured.findings).toEqual([]);
  });

  it('passes cfn-lint: no error, no warning that is not acknowledged with a reason', () => {
    expect(cfnLint(template.toJSON(), TEST_ENV.region!)).toEqual([]);
    expect(cfnLint(secured.template.toJSON(), TEST_ENV.region!)).toEqual([]);
  }, 120_000);

  it('runs 0.5 vCPU / 1 GB tasks, stopped after a 30 s drain, in isolated subnets', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '512',
      Memory: '1024',
      ContainerDefinitions: [
        Match.objectLike({
          StopTimeout: 30,
          ReadonlyRootFilesystem: true,
          PortMappings: [{ ContainerPort: 8080, Protocol: 'tcp' }],
        }),
      ],
    });
    template.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      DesiredCount: 2,
      DeploymentConfiguration: Match.objectLike({
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
        MinimumHealthyPercent: 100,
      }),
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }) },
    });
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
  });

  it('scales 2-10 tasks on CPU target tracking', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 2,
      MaxCapacity: 10,
      ScalableDimension: 'ecs:service:DesiredCount',
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
        TargetValue: 60,
      }),
    });
  });

  it('checks target health on /healthz and drains a stopping task for 15 s', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      HealthCheckPath: '/healthz',
      Port: 8080,
      TargetType: 'ip',
      TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '15' }]),
    });
  });

  it('lets the task send to the imported queue and read the order state, nothing else', () => {
    const statements = roleStatements(template, 'TaskTaskRole');
    expect(statements.flatMap((s) => [s.Action].flat()).sort()).toEqual(
      ['sqs:SendMessage', 'dynamodb:GetItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem'].sort(),
    );
    const send = statements.find((s) => s.Action === 'sqs:SendMessage');
    expect(send?.Resource).toEqual({ 'Fn::ImportValue': 'OrderProcessor-QueueArn' });
    const reads = statements.find((s) => JSON.stringify(s.Resource).includes('OrdersTableName'));
    expect(reads?.Action).toBe('dynamodb:GetItem');
    expect(JSON.stringify(reads?.Resource)).toContain('OrderProcessor-RejectionsTableName');
  });

  it('rate-limits each client IP with a WAF rule on the load balancer', () => {
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      Rules: [
        Match.objectLike({
          Statement: { RateBasedStatement: { Limit: 1000, AggregateKeyType: 'IP', EvaluationWindowSec: 300 } },
          Action: { Block: { CustomResponse: { ResponseCode: 429 } } },
        }),
      ],
    });
    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
  });

  it('with a certificate and an issuer: HTTPS only, JWTs verified by the load balancer', () => {
    secured.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      DefaultActions: Match.arrayWith([
        Match.objectLike({
          Type: 'jwt-validation',
          JwtValidationConfig: Match.objectLike({ Issuer: 'https://issuer.example.com' }),
        }),
      ]),
    });
    secured.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      DefaultActions: [Match.objectLike({ Type: 'redirect' })],
    });
  });
});
