import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { acknowledge, BundledFunction, nagValue } from '@samples/cdk';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as restApi from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import type { Construct } from 'constructs';
import { type EndpointType, maxImageBytesFor, type Timeouts, timeoutsFor } from '../src/limits.ts';

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
  /**
   * The model server image's build context (`pnpm --filter @samples/model-server build`) and
   * Dockerfile. Needed unless `existingEndpointName` is given.
   */
  modelImage?: { context: string; dockerfile: string };
  /**
   * The endpoint the model is served on: serverless (the default) or instance-backed. With
   * `existingEndpointName`, only its `type` is read: it says what that endpoint is, and so the
   * image cap (4 MB serverless payloads) and nothing is created.
   */
  endpoint?: ServerlessEndpointProps | InstanceEndpointProps;
  /**
   * The name of a SageMaker endpoint you already run: the stack then creates no model, endpoint
   * configuration, endpoint or model image, and lets the function invoke that endpoint only.
   */
  existingEndpointName?: string;
  /**
   * The API in front: an HTTP API (the default; cheaper, CORS configured on the API) or a REST
   * API (v1; for usage plans, API keys, AWS WAF), both with `POST /classify`.
   */
  api?: 'http' | 'rest';
  /** Image cap (decoded bytes); by default, and at most, what the endpoint type takes. */
  maxImageBytes?: number;
  /** InvokeEndpoint timeout per attempt; the function's timeout is derived from it (limits.ts). */
  modelTimeoutMs?: number;
  /** Provisioned concurrency of the function's `live` alias, which the API calls. Off by default. */
  proxyProvisionedConcurrency?: number;
}

/**
 * The inference proxy alone: the model server image as a SageMaker model on a serverless
 * endpoint (or, as a prop, an instance-backed one with network isolation, or an endpoint you
 * already run), the proxy function allowed to invoke only that endpoint, and an HTTP API (or a
 * REST API) in front with access logs and throttling.
 */
export class InferenceProxyStack extends Stack {
  readonly api: apigw.HttpApi | restApi.RestApi;

  constructor(scope: Construct, id: string, props: InferenceProxyStackProps) {
    super(scope, id, props);

    const endpointProps = props.endpoint ?? { type: 'serverless' };
    const endpointType: EndpointType = endpointProps.type;
    const { name: endpointName, arns: endpointArns } =
      props.existingEndpointName !== undefined
        ? existingEndpoint(this, props.existingEndpointName)
        : this.createEndpoint(props, endpointProps);

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
        ENDPOINT_NAME: endpointName,
        MAX_IMAGE_BYTES: String(maxImageBytes),
        MODEL_TIMEOUT_MS: String(timeouts.modelTimeoutMs),
        // An HTTP API's CORS configuration adds the headers; behind a REST API the function does.
        CORS_ALLOW_ORIGIN: props.api === 'rest' ? '*' : '',
      },
    });
    // Provisioned concurrency applies to a version or alias only, and only to calls of it:
    // the API calls this alias, never $LATEST.
    const live = new lambda.Alias(this, 'ProxyLive', {
      aliasName: 'live',
      version: proxy.function.currentVersion,
      provisionedConcurrentExecutions: props.proxyProvisionedConcurrency || undefined,
    });
    proxy.role.addToPolicy(new iam.PolicyStatement({ actions: ['sagemaker:InvokeEndpoint'], resources: endpointArns }));

    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const api =
      props.api === 'rest' ? this.restApi(live, timeouts, accessLogs) : this.httpApi(live, timeouts, accessLogs);
    this.api = api.api;

    new cloudwatch.Alarm(this, 'Api5xx', {
      alarmDescription: 'The inference API answered 5xx (the model or the proxy failed)',
      metric: api.serverErrors,
      threshold: 5,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    acknowledge(this.api, {
      rule: 'AwsSolutions-APIG4',
      reason: 'A public sample API: add an authorizer (IAM, JWT or Lambda) before serving your own model',
    });

    new CfnOutput(this, 'ClassifyUrl', { value: api.classifyUrl });
    new CfnOutput(this, 'ApiId', { value: api.apiId });
    new CfnOutput(this, 'ApiStage', { value: api.stage });
    new CfnOutput(this, 'FunctionName', { value: proxy.function.functionName });
    new CfnOutput(this, 'EndpointName', { value: endpointName });
  }

  /** The model server image as a SageMaker model on an endpoint of its own; returns its name. */
  private createEndpoint(
    props: InferenceProxyStackProps,
    endpointProps: ServerlessEndpointProps | InstanceEndpointProps,
  ): { name: string; arns: string[] } {
    if (!props.modelImage) throw new Error('modelImage is required unless existingEndpointName is given');
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
      // The container needs no network (the weights are in the image), so isolate it where
      // SageMaker allows it. Serverless Inference supports neither network isolation nor a VPC
      // (its feature exclusions): there the model runs in SageMaker's managed network. cdk-nag's
      // AwsSolutions SageMaker rules (SM1-SM3) check notebook instances only, so nothing fires to
      // acknowledge; AWS Config's sagemaker-model-isolation-enabled would flag the serverless model.
      enableNetworkIsolation: endpointProps.type === 'instance',
    });
    model.node.addDependency(modelRole);
    const config = new sagemaker.CfnEndpointConfig(this, 'EndpointConfig', {
      productionVariants: [{ variantName: 'AllTraffic', modelName: model.attrModelName, ...variantOf(endpointProps) }],
    });
    const endpoint = new sagemaker.CfnEndpoint(this, 'Endpoint', { endpointConfigName: config.attrEndpointConfigName });
    acknowledge(
      modelRole,
      { rule: 'AwsSolutions-IAM5[Resource::*]', reason: 'ecr:GetAuthorizationToken has no resource-level permission' },
      {
        rule: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:${nagValue(this.region, 'AWS::Region')}:${nagValue(this.account, 'AWS::AccountId')}:log-group:/aws/sagemaker/Endpoints/*]`,
        reason: "SageMaker names each endpoint's log group after the endpoint: /aws/sagemaker/Endpoints/<name>",
      },
    );
    // An endpoint's Ref is its ARN.
    return { name: endpoint.attrEndpointName, arns: [endpoint.ref] };
  }

  /** An HTTP API (payload format 2.0) whose CORS configuration answers preflights. */
  private httpApi(live: lambda.Alias, timeouts: Timeouts, accessLogs: logs.LogGroup): DeployedApi {
    const api = new apigw.HttpApi(this, 'Api', {
      description: API_DESCRIPTION,
      corsPreflight: {
        allowOrigins: ['*'],
        allowMethods: [apigw.CorsHttpMethod.POST],
        allowHeaders: ['content-type'],
        maxAge: Duration.hours(1),
      },
    });
    api.addRoutes({
      path: '/classify',
      methods: [apigw.HttpMethod.POST],
      integration: new HttpLambdaIntegration('Classify', live, {
        timeout: Duration.millis(timeouts.integrationTimeoutMs),
      }),
    });
    const stage = api.defaultStage?.node.defaultChild as apigw.CfnStage;
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({ ...ACCESS_LOG_FIELDS, route: '$context.routeKey' }),
    };
    stage.defaultRouteSettings = { throttlingBurstLimit: THROTTLE.burst, throttlingRateLimit: THROTTLE.rate };
    return {
      api,
      apiId: api.apiId,
      stage: '$default',
      classifyUrl: `${api.apiEndpoint}/classify`,
      serverErrors: api.metricServerError({ period: Duration.minutes(5) }),
    };
  }

  /**
   * A REST API (v1, Lambda proxy integration): the image types are binary media types, so API
   * Gateway hands them to the function base64-encoded (isBase64Encoded); JSON stays text. The
   * function adds the CORS headers; a mock integration answers preflights.
   */
  private restApi(live: lambda.Alias, timeouts: Timeouts, accessLogs: logs.LogGroup): DeployedApi {
    const api = new restApi.RestApi(this, 'Api', {
      description: API_DESCRIPTION,
      endpointTypes: [restApi.EndpointType.REGIONAL],
      binaryMediaTypes: [...IMAGE_MEDIA_TYPES],
      // Access logs need the account's API Gateway CloudWatch role; this creates it (one per
      // account and region: drop it if your account already has one). Kept when the stack is
      // deleted, since every REST API of the account and region logs through it.
      cloudWatchRole: true,
      deployOptions: {
        stageName: 'prod',
        throttlingBurstLimit: THROTTLE.burst,
        throttlingRateLimit: THROTTLE.rate,
        loggingLevel: restApi.MethodLoggingLevel.ERROR,
        accessLogDestination: new restApi.LogGroupLogDestination(accessLogs),
        accessLogFormat: restApi.AccessLogFormat.custom(
          JSON.stringify({ ...ACCESS_LOG_FIELDS, route: '$context.resourcePath' }),
        ),
        tracingEnabled: true,
      },
    });
    const classify = api.root.addResource('classify', {
      defaultCorsPreflightOptions: {
        allowOrigins: ['*'],
        allowMethods: ['POST'],
        allowHeaders: ['content-type'],
        maxAge: Duration.hours(1),
      },
    });
    classify.addMethod(
      'POST',
      new restApi.LambdaIntegration(live, { timeout: Duration.millis(timeouts.integrationTimeoutMs) }),
    );
    acknowledge(
      api,
      {
        rule: 'AwsSolutions-APIG2',
        reason: 'The function validates each request (content type, image signature, size, topK) and answers 4xx',
      },
      {
        rule: 'AwsSolutions-APIG3',
        reason: 'A public sample API: associate an AWS WAF web ACL of yours with the prod stage',
      },
      {
        rule: 'AwsSolutions-COG4',
        reason: 'A public sample API: add an authorizer (Cognito, IAM or Lambda) before serving your own model',
      },
      {
        rule: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason: "The managed policy API Gateway's documentation prescribes for its account-wide CloudWatch role",
      },
    );
    return {
      api,
      apiId: api.restApiId,
      stage: 'prod',
      classifyUrl: api.urlForPath('/classify'),
      serverErrors: api.metricServerError({ period: Duration.minutes(5) }),
    };
  }
}

/**
 * An endpoint of yours, by name. SageMaker takes endpoint names case-insensitively and reports
 * their ARNs in lower case; IAM compares ARNs case-sensitively, so a name with capitals is granted
 * under both spellings.
 */
function existingEndpoint(stack: Stack, name: string): { name: string; arns: string[] } {
  if (!/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(name)) {
    throw new Error(`existingEndpointName ${JSON.stringify(name)} is not a SageMaker endpoint name`);
  }
  const arn = (n: string) => `arn:${stack.partition}:sagemaker:${stack.region}:${stack.account}:endpoint/${n}`;
  return { name, arns: [...new Set([name.toLowerCase(), name])].map(arn) };
}

interface DeployedApi {
  api: apigw.HttpApi | restApi.RestApi;
  apiId: string;
  stage: string;
  classifyUrl: string;
  serverErrors: cloudwatch.IMetric;
}

const API_DESCRIPTION =
  'POST /classify[?topK=1..10]: a JPEG, PNG or WebP image as the body (image/jpeg, image/png, image/webp or ' +
  'application/octet-stream), or application/json {"image": base64} -> the top-K labels (default 3)';
/** The bodies the handler takes as bytes (request.ts); a REST API must pass them base64-encoded. */
const IMAGE_MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'application/octet-stream'] as const;
const THROTTLE = { burst: 20, rate: 10 };
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  status: '$context.status',
  latencyMs: '$context.responseLatency',
  integrationError: '$context.integrationErrorMessage',
};

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
