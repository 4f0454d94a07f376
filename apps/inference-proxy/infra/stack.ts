import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { acknowledge, BundledFunction, nagValue } from '@samples/cdk';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import type { Construct } from 'constructs';
import { type EndpointType, maxImageBytesFor, timeoutsFor } from '../src/limits.ts';

/** Serverless Inference: pay per request, scales to zero, cold starts; no network isolation, no VPC. */
export interface ServerlessEndpointProps {
  type: 'serverless';
  /** Memory (MB); the MobileNetV2 model and tfjs fit in 3 GB. */
  memorySizeInMb?: number;
  maxConcurrency?: number;
  /** Kept-warm capacity (at most maxConcurrency), billed while provisioned. Off by default. */
  provisionedConcurrency?: number;
}

/** Real-time inference on instances: no cold start, billed per instance-hour, network isolated. */
export interface InstanceEndpointProps {
  type: 'instance';
  instanceType?: string;
  initialInstanceCount?: number;
}

export interface InferenceProxyStackProps extends StackProps {
  /** `function.zip` of src/handler.ts (`bundleLambda`). */
  bundle: string;
  /** The model server image's build context (`pnpm --filter @samples/model-server build`) and Dockerfile. */
  modelImage: { context: string; dockerfile: string };
  /** The endpoint the model is served on: serverless (the default) or instance-backed. */
  endpoint?: ServerlessEndpointProps | InstanceEndpointProps;
  /** Image cap (decoded bytes); by default, and at most, what the endpoint type takes. */
  maxImageBytes?: number;
  /** InvokeEndpoint timeout per attempt; the function's timeout is derived from it (limits.ts). */
  modelTimeoutMs?: number;
  /** Provisioned concurrency of the function's `live` alias, which the API calls. Off by default. */
  proxyProvisionedConcurrency?: number;
}

/**
 * The inference proxy alone: the model server image as a SageMaker model on a serverless
 * endpoint (or, as a prop, an instance-backed one with network isolation), the proxy function
 * allowed to invoke only that endpoint, and an HTTP API in front with access logs and throttling.
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
    const endpointProps = props.endpoint ?? { type: 'serverless' };
    const endpointType: EndpointType = endpointProps.type;
    const model = new sagemaker.CfnModel(this, 'Model', {
      executionRoleArn: modelRole.roleArn,
      primaryContainer: { image: image.imageUri, mode: 'SingleModel' },
      // The container needs no network (the weights are in the image), so isolate it where
      // SageMaker allows it. Serverless Inference supports neither network isolation nor a VPC
      // (its feature exclusions): there the model runs in SageMaker's managed network. cdk-nag's
      // AwsSolutions SageMaker rules (SM1-SM3) check notebook instances only, so nothing fires to
      // acknowledge; AWS Config's sagemaker-model-isolation-enabled would flag the serverless model.
      enableNetworkIsolation: endpointType === 'instance',
    });
    model.node.addDependency(modelRole);
    const config = new sagemaker.CfnEndpointConfig(this, 'EndpointConfig', {
      productionVariants: [{ variantName: 'AllTraffic', modelName: model.attrModelName, ...variantOf(endpointProps) }],
    });
    const endpoint = new sagemaker.CfnEndpoint(this, 'Endpoint', { endpointConfigName: config.attrEndpointConfigName });

    const maxImageBytes = props.maxImageBytes ?? maxImageBytesFor(endpointType);
    if (maxImageBytes > maxImageBytesFor(endpointType)) {
      throw new Error(
        `maxImageBytes ${maxImageBytes} is above what a ${endpointType} endpoint takes: at most ${maxImageBytesFor(endpointType)}`,
      );
    }
    // One derivation: model timeout x attempts < function timeout < the integration timeout.
    const timeouts = timeoutsFor(props.modelTimeoutMs);
    const proxy = new BundledFunction(this, 'Proxy', {
      zip: props.bundle,
      description: 'inference-proxy: image in, top-K predictions of the SageMaker endpoint out',
      memorySize: 512,
      timeout: Duration.seconds(timeouts.functionTimeoutSeconds),
      environment: {
        POWERTOOLS_SERVICE_NAME: 'inference-proxy',
        ENDPOINT_NAME: endpoint.attrEndpointName,
        MAX_IMAGE_BYTES: String(maxImageBytes),
        MODEL_TIMEOUT_MS: String(timeouts.modelTimeoutMs),
        // The HTTP API's CORS configuration adds the headers.
        CORS_ALLOW_ORIGIN: '',
      },
    });
    // Provisioned concurrency applies to a version or alias only, and only to calls of it:
    // the API calls this alias, never $LATEST.
    const live = new lambda.Alias(this, 'ProxyLive', {
      aliasName: 'live',
      version: proxy.function.currentVersion,
      provisionedConcurrentExecutions: props.proxyProvisionedConcurrency || undefined,
    });
    proxy.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['sagemaker:InvokeEndpoint'], resources: [endpoint.ref] }),
    );

    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.api = new apigw.HttpApi(this, 'Api', {
      description:
        'POST /classify[?topK=1..10]: a JPEG, PNG or WebP image as the body (image/jpeg, image/png, image/webp or ' +
        'application/octet-stream), or application/json {"image": base64} -> the top-K labels (default 3)',
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
      integration: new HttpLambdaIntegration('Classify', live, {
        timeout: Duration.millis(timeouts.integrationTimeoutMs),
      }),
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

/** The production variant's capacity: serverless memory and concurrency, or instances. */
function variantOf(
  endpoint: ServerlessEndpointProps | InstanceEndpointProps,
): Partial<sagemaker.CfnEndpointConfig.ProductionVariantProperty> {
  if (endpoint.type === 'instance') {
    return {
      instanceType: endpoint.instanceType ?? 'ml.c5.large',
      initialInstanceCount: endpoint.initialInstanceCount ?? 1,
      initialVariantWeight: 1,
    };
  }
  const maxConcurrency = endpoint.maxConcurrency ?? 5;
  const provisioned = endpoint.provisionedConcurrency || undefined;
  if (provisioned !== undefined && provisioned > maxConcurrency) {
    // SageMaker refuses a ProvisionedConcurrency above MaxConcurrency.
    throw new Error(`provisionedConcurrency ${provisioned} is above maxConcurrency ${maxConcurrency}`);
  }
  return {
    serverlessConfig: {
      memorySizeInMb: endpoint.memorySizeInMb ?? 3072,
      maxConcurrency,
      provisionedConcurrency: provisioned,
    },
  };
}
