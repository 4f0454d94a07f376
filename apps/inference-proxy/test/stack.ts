import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ApiGatewayV2Client,
  CreateApiCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  CreateStageCommand,
  DeleteApiCommand,
} from '@aws-sdk/client-apigatewayv2';
import { bundleLambda } from '@samples/build';
import { deleteFunction, deployFunction } from '@samples/emulator/deploy';
import { buildModelServerImage } from '@samples/model-server/image';
import { GenericContainer, type StartedTestContainer, Wait } from 'testcontainers';
import { timeoutsFor } from '../src/limits.ts';

/** Test and demo tooling: the model container, the proxy deployed in the emulator, an HTTP API in front. */
export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface ModelContainer {
  container: StartedTestContainer;
  /** The container's port 8080 as reached from this machine (and from Lambdas run as host processes). */
  url: string;
  stop(): Promise<void>;
}

export async function startModelContainer(): Promise<ModelContainer> {
  const image = await buildModelServerImage();
  const container = await new GenericContainer(image)
    .withExposedPorts(8080)
    .withWaitStrategy(Wait.forHttp('/ping', 8080).forStatusCode(200))
    .withStartupTimeout(90_000)
    .start();
  return {
    container,
    url: `http://127.0.0.1:${container.getMappedPort(8080)}`,
    stop: async () => {
      await container.stop({ timeout: 2_000 });
    },
  };
}

export interface DeployedProxy {
  functionName: string;
  functionArn: string;
  apiId: string;
  /** The HTTP API's URL for a path, e.g. url('/classify?topK=1'). */
  url(path: string): string;
  remove(): Promise<void>;
}

/**
 * Bundles src/handler.ts, deploys it with the SageMaker runtime endpoint pointed at the
 * model container (AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME; every other service keeps
 * AWS_ENDPOINT_URL), and puts an HTTP API (payload format 2.0) with `POST /classify` in front.
 */
export async function deployProxy(opts: {
  name: string;
  emulatorEndpoint: string;
  region: string;
  modelUrl: string;
  endpointName?: string;
  environment?: Record<string, string>;
}): Promise<DeployedProxy> {
  const endpointName = opts.endpointName ?? 'image-classifier';
  const bundle = await bundleLambda({
    entry: join(PACKAGE_DIR, 'src', 'handler.ts'),
    outdir: join(PACKAGE_DIR, 'dist', opts.name),
  });
  // The same derivation as the CDK stack: the function outlasts every model attempt.
  const timeouts = timeoutsFor(8_000);
  const functionArn = await deployFunction({
    name: opts.name,
    zip: bundle.zip,
    memoryMb: 512,
    timeoutSeconds: timeouts.functionTimeoutSeconds,
    environment: {
      ENDPOINT_NAME: endpointName,
      MODEL_TIMEOUT_MS: String(timeouts.modelTimeoutMs),
      AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: opts.modelUrl,
      // The HTTP API's CORS configuration adds the CORS headers.
      CORS_ALLOW_ORIGIN: '',
      ...opts.environment,
    },
    statements: [
      {
        Effect: 'Allow',
        Action: 'sagemaker:InvokeEndpoint',
        Resource: `arn:aws:sagemaker:${opts.region}:*:endpoint/${endpointName}`,
      },
    ],
  });
  const apigw = new ApiGatewayV2Client({});
  const api = await apigw.send(
    new CreateApiCommand({
      Name: opts.name,
      ProtocolType: 'HTTP',
      // HTTP APIs answer CORS preflights themselves from this configuration.
      CorsConfiguration: {
        AllowOrigins: ['*'],
        AllowMethods: ['POST', 'OPTIONS'],
        AllowHeaders: ['content-type'],
        ExposeHeaders: ['x-request-id'],
      },
    }),
  );
  const apiId = api.ApiId!;
  const integration = await apigw.send(
    new CreateIntegrationCommand({
      ApiId: apiId,
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: functionArn,
      PayloadFormatVersion: '2.0',
    }),
  );
  await apigw.send(
    new CreateRouteCommand({
      ApiId: apiId,
      RouteKey: 'POST /classify',
      Target: `integrations/${integration.IntegrationId}`,
    }),
  );
  await apigw.send(new CreateStageCommand({ ApiId: apiId, StageName: '$default', AutoDeploy: true }));
  return {
    functionName: opts.name,
    functionArn,
    apiId,
    url: (path) => `${opts.emulatorEndpoint}/_aws/execute-api/${apiId}/$default${path}`,
    remove: async () => {
      await apigw.send(new DeleteApiCommand({ ApiId: apiId })).catch(() => undefined);
      await deleteFunction(opts.name);
    },
  };
}
