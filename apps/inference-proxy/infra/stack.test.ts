import { roleStatements, synthStack, TEST_ENV } from '@samples/cdk';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { stackProps } from './app.ts';
import { InferenceProxyStack } from './stack.ts';

let template: Template;
let findings: string[];

beforeAll(async () => {
  const props = await stackProps();
  ({ template, findings } = synthStack(
    (app) => new InferenceProxyStack(app, 'InferenceProxy', { ...props, env: TEST_ENV }),
  ));
}, 180_000);

const statementsOf = (prefix: string) => roleStatements(template, prefix);

describe('InferenceProxyStack', () => {
  it('passes the cdk-nag AwsSolutions pack', () => {
    expect(findings).toEqual([]);
  });

  it('serves the model image on a network-isolated serverless endpoint', () => {
    template.hasResourceProperties('AWS::SageMaker::Model', {
      EnableNetworkIsolation: true,
      PrimaryContainer: { Image: Match.anyValue(), Mode: 'SingleModel' },
    });
    template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ProductionVariants: [
        Match.objectLike({ VariantName: 'AllTraffic', ServerlessConfig: { MemorySizeInMB: 3072, MaxConcurrency: 5 } }),
      ],
    });
    template.resourceCountIs('AWS::SageMaker::Endpoint', 1);
  });

  it('lets the proxy invoke that endpoint and nothing else', () => {
    const s = statementsOf('ProxyRole').filter((x) => [x.Action].flat().some((a) => a.startsWith('sagemaker:')));
    expect(s).toEqual([
      expect.objectContaining({
        Action: 'sagemaker:InvokeEndpoint',
        Resource: { Ref: expect.stringMatching(/^Endpoint/) },
      }),
    ]);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Environment: {
        Variables: Match.objectLike({ ENDPOINT_NAME: Match.anyValue(), CORS_ALLOW_ORIGIN: '' }),
      },
    });
  });

  it('routes POST /classify through an HTTP API with CORS, access logs and throttling', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /classify' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: Match.objectLike({ AllowMethods: ['POST'], AllowOrigins: ['*'] }),
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
      DefaultRouteSettings: { ThrottlingBurstLimit: 20, ThrottlingRateLimit: 10 },
    });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 1);
  });
});
