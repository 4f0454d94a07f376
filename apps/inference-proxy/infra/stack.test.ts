import { cfnLint, roleStatements, synthStack, TEST_ENV } from '@samples/cdk';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { API_GATEWAY_TIMEOUT_MS, MODEL_ATTEMPTS, SERVERLESS_MAX_PAYLOAD_BYTES } from '../src/limits.ts';
import { stackProps } from './app.ts';
import { InferenceProxyStack, type InferenceProxyStackProps } from './stack.ts';

let template: Template;
let findings: string[];
let baseProps: Awaited<ReturnType<typeof stackProps>>;

const synth = (extra: Partial<InferenceProxyStackProps> = {}) =>
  synthStack((app) => new InferenceProxyStack(app, 'InferenceProxy', { ...baseProps, ...extra, env: TEST_ENV }));

beforeAll(async () => {
  baseProps = await stackProps();
  ({ template, findings } = synth());
}, 180_000);

// biome-ignore lint/suspicious/noExplicitAny: template properties of every shape, read by the assertions
type Resource = { Properties: Record<string, any> };
const only = (t: Template, type: string): Resource => {
  const all = Object.values(t.findResources(type)) as Resource[];
  expect(all, type).toHaveLength(1);
  return all[0]!;
};
const proxyFunction = (t: Template): Resource => {
  const fns = (Object.values(t.findResources('AWS::Lambda::Function')) as Resource[]).filter(
    (f) => f.Properties.Environment?.Variables?.ENDPOINT_NAME,
  );
  expect(fns).toHaveLength(1);
  return fns[0]!;
};

const statementsOf = (prefix: string) => roleStatements(template, prefix);

// Several tests synthesize variants (two passes each, with cdk-nag): seconds each on a loaded machine.
describe('InferenceProxyStack', { timeout: 120_000 }, () => {
  it('passes the cdk-nag AwsSolutions pack', () => {
    expect(findings).toEqual([]);
  });

  it('passes cfn-lint: no error, no warning that is not acknowledged with a reason', () => {
    expect(cfnLint(template.toJSON(), TEST_ENV.region!)).toEqual([]);
  }, 120_000);

  // "Serverless Inference does not support ... VPC configuration, network isolation" (feature
  // exclusions, https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html#serverless-endpoints-how-it-works-exclusions):
  // an isolated model on a serverless endpoint fails when the endpoint is created.
  it('serves the model image on a serverless endpoint, without network isolation or a VPC (unsupported there)', () => {
    const model = only(template, 'AWS::SageMaker::Model');
    expect(model.Properties.EnableNetworkIsolation ?? false).toBe(false);
    expect(model.Properties.VpcConfig).toBeUndefined();
    expect(model.Properties.PrimaryContainer).toMatchObject({ Image: expect.anything(), Mode: 'SingleModel' });
    const variants = only(template, 'AWS::SageMaker::EndpointConfig').Properties.ProductionVariants;
    expect(variants).toEqual([
      expect.objectContaining({
        VariantName: 'AllTraffic',
        ServerlessConfig: { MemorySizeInMB: 3072, MaxConcurrency: 5 },
      }),
    ]);
    template.resourceCountIs('AWS::SageMaker::Endpoint', 1);
  });

  it('serves an instance-backed endpoint with network isolation when asked to', () => {
    const { template: t, findings: f } = synth({
      endpoint: { type: 'instance', instanceType: 'ml.c5.large', initialInstanceCount: 2 },
    });
    expect(f).toEqual([]);
    expect(only(t, 'AWS::SageMaker::Model').Properties.EnableNetworkIsolation).toBe(true);
    const variants = only(t, 'AWS::SageMaker::EndpointConfig').Properties.ProductionVariants;
    expect(variants).toEqual([
      expect.objectContaining({ VariantName: 'AllTraffic', InstanceType: 'ml.c5.large', InitialInstanceCount: 2 }),
    ]);
    expect(variants[0].ServerlessConfig).toBeUndefined();
  });

  // Serverless: "The maximum request and response payload size for serverless invocations is
  // 4 MB" (https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints-invoke.html),
  // taken as 4,000,000 bytes. Instance-backed: the function's own limit, Lambda's 6 MB
  // synchronous payload (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)
  // holding the image base64-encoded.
  it('caps the image at what the endpoint type takes', () => {
    const cap = (t: Template) => Number(proxyFunction(t).Properties.Environment.Variables.MAX_IMAGE_BYTES);
    expect(cap(template)).toBeLessThanOrEqual(SERVERLESS_MAX_PAYLOAD_BYTES);
    expect(cap(template)).toBeGreaterThan(3_000_000);
    const instance = cap(synth({ endpoint: { type: 'instance' } }).template);
    expect(Math.ceil(instance / 3) * 4).toBeLessThan(6_000_000 - 64 * 1024);
    expect(() => synth({ maxImageBytes: SERVERLESS_MAX_PAYLOAD_BYTES + 1 })).toThrow(/4000000/);
  });

  // A 29 s integration timeout is API Gateway's limit for REST APIs ("50 milliseconds - 29
  // seconds", https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html)
  // and within an HTTP API's 30 s (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html).
  it('keeps model timeout x attempts < function timeout < the API integration timeout <= 29 s', () => {
    for (const t of [template, synth({ modelTimeoutMs: 5_000 }).template]) {
      const fn = proxyFunction(t).Properties;
      const modelMs = Number(fn.Environment.Variables.MODEL_TIMEOUT_MS);
      const integrationMs = only(t, 'AWS::ApiGatewayV2::Integration').Properties.TimeoutInMillis;
      expect(modelMs * MODEL_ATTEMPTS).toBeLessThan(fn.Timeout * 1000);
      expect(fn.Timeout * 1000).toBeLessThan(integrationMs);
      expect(integrationMs).toBeLessThanOrEqual(API_GATEWAY_TIMEOUT_MS);
    }
    expect(() => synth({ modelTimeoutMs: 14_000 })).toThrow(/API Gateway/);
  });

  // Provisioned concurrency is set on a version or an alias, and only invocations of that
  // qualifier use it (https://docs.aws.amazon.com/lambda/latest/dg/provisioned-concurrency.html):
  // the API must call the alias.
  it('integrates the API with the function alias, provisioned concurrency off by default', () => {
    const alias = only(template, 'AWS::Lambda::Alias').Properties;
    expect(alias.ProvisionedConcurrencyConfig).toBeUndefined();
    const uri = JSON.stringify(only(template, 'AWS::ApiGatewayV2::Integration').Properties.IntegrationUri);
    const aliasId = Object.keys(template.findResources('AWS::Lambda::Alias'))[0]!;
    expect(uri).toContain(aliasId);
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')) as Resource[];
    expect(permissions.length).toBeGreaterThan(0);
    for (const p of permissions) expect(JSON.stringify(p.Properties.FunctionName)).toContain(aliasId);
  });

  it('provisions Lambda and serverless endpoint concurrency when asked to', () => {
    const { template: t, findings: f } = synth({
      proxyProvisionedConcurrency: 2,
      endpoint: { type: 'serverless', maxConcurrency: 5, provisionedConcurrency: 1 },
    });
    expect(f).toEqual([]);
    expect(only(t, 'AWS::Lambda::Alias').Properties.ProvisionedConcurrencyConfig).toEqual({
      ProvisionedConcurrentExecutions: 2,
    });
    expect(only(t, 'AWS::SageMaker::EndpointConfig').Properties.ProductionVariants[0].ServerlessConfig).toEqual({
      MemorySizeInMB: 3072,
      MaxConcurrency: 5,
      ProvisionedConcurrency: 1,
    });
    expect(
      only(template, 'AWS::SageMaker::EndpointConfig').Properties.ProductionVariants[0].ServerlessConfig
        .ProvisionedConcurrency,
    ).toBeUndefined();
    // SageMaker: ProvisionedConcurrency must not exceed MaxConcurrency.
    expect(() => synth({ endpoint: { type: 'serverless', maxConcurrency: 2, provisionedConcurrency: 3 } })).toThrow(
      /maxConcurrency/,
    );
  });

  it('describes the bodies the handler accepts', () => {
    const description: string = only(template, 'AWS::ApiGatewayV2::Api').Properties.Description;
    expect(description).toMatch(/image\/jpeg/);
    expect(description).toMatch(/application\/json \{"image": base64\}/);
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

  // Users who already host a model pass its name: nothing of SageMaker is created, and the
  // grant names that endpoint's ARN only (as given and in lower case, as SageMaker reports it).
  it('fronts an existing endpoint: no model, no image, the grant narrowed to its ARN', () => {
    const { template: t, findings: f } = synth({ modelImage: undefined, existingEndpointName: 'My-Classifier' });
    expect(f).toEqual([]);
    expect(cfnLint(t.toJSON(), TEST_ENV.region!)).toEqual([]);
    for (const type of ['AWS::SageMaker::Model', 'AWS::SageMaker::EndpointConfig', 'AWS::SageMaker::Endpoint']) {
      t.resourceCountIs(type, 0);
    }
    expect(JSON.stringify(t.toJSON())).not.toMatch(/ModelImage|ModelRole|container-assets/);
    const s = roleStatements(t, 'ProxyRole').filter((x) => [x.Action].flat().some((a) => a.startsWith('sagemaker:')));
    expect(s).toEqual([
      expect.objectContaining({
        Action: 'sagemaker:InvokeEndpoint',
        Resource: ['my-classifier', 'My-Classifier'].map((name) => ({
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:sagemaker:eu-west-1:123456789012:endpoint/${name}`]],
        })),
      }),
    ]);
    const vars = proxyFunction(t).Properties.Environment.Variables;
    expect(vars.ENDPOINT_NAME).toBe('My-Classifier');
    // Serverless unless said otherwise: the smaller payload cap.
    expect(Number(vars.MAX_IMAGE_BYTES)).toBeLessThanOrEqual(SERVERLESS_MAX_PAYLOAD_BYTES);
    const instance = synth({ modelImage: undefined, existingEndpointName: 'c', endpoint: { type: 'instance' } });
    expect(Number(proxyFunction(instance.template).Properties.Environment.Variables.MAX_IMAGE_BYTES)).toBeGreaterThan(
      SERVERLESS_MAX_PAYLOAD_BYTES,
    );
    expect(() => synth({ modelImage: undefined })).toThrow(/modelImage/);
    expect(() => synth({ existingEndpointName: 'not_a name' })).toThrow(/endpoint name/);
  });

  // REST APIs: a Lambda proxy integration passes a body base64-encoded only when its type is
  // among the API's binary media types (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings.html).
  it('routes POST /classify through a REST API with binary media types, access logs and throttling', () => {
    const { template: t, findings: f } = synth({ api: 'rest' });
    expect(f).toEqual([]);
    expect(cfnLint(t.toJSON(), TEST_ENV.region!)).toEqual([]);
    t.resourceCountIs('AWS::ApiGatewayV2::Api', 0);
    const api = only(t, 'AWS::ApiGateway::RestApi').Properties;
    expect(api.BinaryMediaTypes).toEqual(['image/jpeg', 'image/png', 'image/webp', 'application/octet-stream']);
    expect(api.Description).toMatch(/application\/json \{"image": base64\}/);
    t.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'classify' });
    const methods = Object.values(t.findResources('AWS::ApiGateway::Method')) as Resource[];
    const post = methods.find((m) => m.Properties.HttpMethod === 'POST')!.Properties;
    expect(post.Integration).toMatchObject({ Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' });
    const aliasId = Object.keys(t.findResources('AWS::Lambda::Alias'))[0]!;
    expect(JSON.stringify(post.Integration.Uri)).toContain(aliasId);
    expect(post.Integration.TimeoutInMillis).toBeLessThanOrEqual(API_GATEWAY_TIMEOUT_MS);
    expect(post.Integration.TimeoutInMillis).toBeGreaterThan(proxyFunction(t).Properties.Timeout * 1000);
    expect(methods.map((m) => m.Properties.HttpMethod).sort()).toEqual(['OPTIONS', 'POST']);
    t.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
      MethodSettings: Match.arrayWith([
        Match.objectLike({ ThrottlingBurstLimit: 20, ThrottlingRateLimit: 10, HttpMethod: '*', ResourcePath: '/*' }),
      ]),
    });
    // REST API access logs need the account's API Gateway CloudWatch role, kept on deletion:
    // other APIs of the account log through it.
    t.resourceCountIs('AWS::ApiGateway::Account', 1);
    t.hasResource('AWS::IAM::Role', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        AssumeRolePolicyDocument: Match.objectLike({
          Statement: [Match.objectLike({ Principal: { Service: 'apigateway.amazonaws.com' } })],
        }),
      }),
    });
    // Behind a REST API the function adds the CORS headers itself.
    expect(proxyFunction(t).Properties.Environment.Variables.CORS_ALLOW_ORIGIN).toBe('*');
    t.resourceCountIs('AWS::CloudWatch::Alarm', 1);
  });
});
