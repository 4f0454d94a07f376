import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { acknowledge, BundledFunction, nagValue } from '@samples/cdk';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import type { Construct } from 'constructs';

export interface InferenceProxyStackProps extends StackProps {
  /** `function.zip` of src/handler.ts (`bundleLambda`). */
  bundle: string;
  /** The model server image's build context (`pnpm --filter @samples/model-server build`) and Dockerfile. */
  modelImage: { context: string; dockerfile: string };
  /** Serverless endpoint memory (MB); the MobileNetV2 model and tfjs fit in 3 GB. */
  memorySizeInMb?: number;
  maxConcurrency?: number;
}

/**
 * The inference proxy alone: the model server image as a SageMaker model on a serverless
 * endpoint (network isolated: the weights are in the image), the proxy function allowed to
 * invoke only that endpoint, and an HTTP API in front with access logs and throttling.
 */
export class InferenceProxyStack extends Stack {
  readonly api: apigw.HttpApi;

  constructor(scope: Construct, id: string, props: InferenceProxyStackProps) {
    super(scope, id, props);

    copyFileSync(props.modelImage.dockerfile, join(props.modelImage.context, 'Dockerfile'));
    const image = new ecrAssets.DockerImageAsset(this, 'ModelImage', {
      directory: props.modelImage.context,
      platform: ecrAssets.Platform.LINUX_AMD64,
    });
    const modelRole = new iam.Role(this, 'ModelRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: 'SageMaker: pull the model image, write the endpoint logs',
    });
    image.repository.grantPull(modelRole);
    modelRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [`arn:${this.partition}:logs:${this.region}:${this.account}:log-group:/aws/sagemaker/Endpoints/*`],
      }),
    );
    const model = new sagemaker.CfnModel(this, 'Model', {
      executionRoleArn: modelRole.roleArn,
      primaryContainer: { image: image.imageUri, mode: 'SingleModel' },
      enableNetworkIsolation: true,
    });
    model.node.addDependency(modelRole);
    const config = new sagemaker.CfnEndpointConfig(this, 'EndpointConfig', {
      productionVariants: [
        {
          variantName: 'AllTraffic',
          modelName: model.attrModelName,
          serverlessConfig: { memorySizeInMb: props.memorySizeInMb ?? 3072, maxConcurrency: props.maxConcurrency ?? 5 },
        },
      ],
    });
    const endpoint = new sagemaker.CfnEndpoint(this, 'Endpoint', { endpointConfigName: config.attrEndpointConfigName });

    const proxy = new BundledFunction(this, 'Proxy', {
      zip: props.bundle,
      description: 'inference-proxy: image in, top-3 predictions of the SageMaker endpoint out',
      memorySize: 512,
      timeout: Duration.seconds(29),
      environment: {
        POWERTOOLS_SERVICE_NAME: 'inference-proxy',
        ENDPOINT_NAME: endpoint.attrEndpointName,
        // Serverless endpoints can take seconds on a cold start.
        MODEL_TIMEOUT_MS: '12000',
        // The HTTP API's CORS configuration adds the headers.
        CORS_ALLOW_ORIGIN: '',
      },
    });
    proxy.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['sagemaker:InvokeEndpoint'], resources: [endpoint.ref] }),
    );

    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.api = new apigw.HttpApi(this, 'Api', {
      description: 'POST /classify: an image (binary, or base64 in JSON) -> top-3 labels',
      corsPreflight: {
        allowOrigins: ['*'],
        allowMethods: [apigw.CorsHttpMethod.POST],
        allowHeaders: ['content-type'],
        maxAge: Duration.hours(1),
      },
    });
    this.api.addRoutes({
      path: '/classify',
      methods: [apigw.HttpMethod.POST],
      integration: new HttpLambdaIntegration('Classify', proxy.function),
    });
    const stage = this.api.defaultStage?.node.defaultChild as apigw.CfnStage;
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        route: '$context.routeKey',
        status: '$context.status',
        latencyMs: '$context.responseLatency',
        integrationError: '$context.integrationErrorMessage',
      }),
    };
    stage.defaultRouteSettings = { throttlingBurstLimit: 20, throttlingRateLimit: 10 };

    new cloudwatch.Alarm(this, 'Api5xx', {
      alarmDescription: 'The inference API answered 5xx (the model or the proxy failed)',
      metric: this.api.metricServerError({ period: Duration.minutes(5) }),
      threshold: 5,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    acknowledge(this.api, {
      rule: 'AwsSolutions-APIG4',
      reason: 'A public sample API: add an authorizer (IAM, JWT or Lambda) before serving your own model',
    });
    acknowledge(model, {
      rule: 'AwsSolutions-SM1',
      reason: 'Network isolation is on: the container has no network at all, so there is no VPC to place it in',
    });
    acknowledge(config, {
      rule: 'AwsSolutions-SM2',
      reason: 'A serverless endpoint has no storage volume to encrypt; SageMaker does not take a KMS key for one',
    });
    acknowledge(
      modelRole,
      { rule: 'AwsSolutions-IAM5[Resource::*]', reason: 'ecr:GetAuthorizationToken has no resource-level permission' },
      {
        rule: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:${nagValue(this.region, 'AWS::Region')}:${nagValue(this.account, 'AWS::AccountId')}:log-group:/aws/sagemaker/Endpoints/*]`,
        reason: "SageMaker names each endpoint's log group after the endpoint: /aws/sagemaker/Endpoints/<name>",
      },
    );

    new CfnOutput(this, 'ClassifyUrl', { value: `${this.api.apiEndpoint}/classify` });
    new CfnOutput(this, 'EndpointName', { value: endpoint.attrEndpointName });
  }
}
