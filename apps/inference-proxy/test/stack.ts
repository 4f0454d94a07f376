import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiGatewayV2Client, UpdateApiCommand } from '@aws-sdk/client-apigatewayv2';
import {
  GetFunctionConfigurationCommand,
  LambdaClient,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { assemblyDir, deployLocal, destroyLocal, type LocalDeployOptions } from '@samples/cdk';
import { waitFor } from '@samples/emulator/waiters';
import { buildModelServerImage } from '@samples/model-server/image';
import { GenericContainer, type StartedTestContainer, Wait } from 'testcontainers';

/**
 * Test, demo and bench tooling: the model container, and the CDK stack deployed in the emulator
 * in front of it.
 */
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

export interface DeployedStack {
  outputs: Record<string, string>;
  api: 'http' | 'rest';
  functionName: string;
  /** The API's URL for a path in the emulator, e.g. url('/classify?topK=1'). */
  url(path: string): string;
  /** Sets environment variables on the function (undefined removes one) and makes that the live alias. */
  configure(vars: Record<string, string | undefined>): Promise<void>;
  remove(): Promise<void>;
}

/**
 * Deploys the CDK stack (infra/app.ts) with the real CDK CLI in front of an existing endpoint,
 * then points the function's SageMaker runtime client at the model container: the one setting
 * the stack cannot know.
 */
export async function deployStack(opts: {
  stackName: string;
  api: 'http' | 'rest';
  /** The emulator's SDK environment. */
  env: Record<string, string>;
  /** The emulator's URL from this machine. */
  emulatorEndpoint: string;
  /** The model container's URL as the function reaches it. */
  modelUrl: string;
  endpointName?: string;
}): Promise<DeployedStack> {
  const deploy: LocalDeployOptions = {
    cwd: PACKAGE_DIR,
    env: { ...process.env, ...opts.env },
    stackName: opts.stackName,
    context: { endpointName: opts.endpointName ?? 'image-classifier', api: opts.api },
  };
  const outputs = await deployLocal(deploy);
  if (opts.api === 'http')
    await reapplyCors(join(assemblyDir(deploy), `${opts.stackName}.template.json`), outputs.ApiId as string);
  const functionName = outputs.FunctionName as string;
  const version = await setEnvironment(functionName, { AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: opts.modelUrl });
  console.log(
    `[inference-proxy] SageMaker endpoint ${outputs.EndpointName}: the local model-server container, reached at ` +
      `${opts.modelUrl} through AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME set on ${functionName} ` +
      `(version ${version.Version}, alias live) after the deploy; ${opts.api.toUpperCase()} API ${outputs.ApiId}`,
  );
  const stage = outputs.ApiStage as string;
  return {
    outputs,
    api: opts.api,
    functionName,
    url: (path) => `${opts.emulatorEndpoint}/_aws/execute-api/${outputs.ApiId}/${stage}${path}`,
    configure: async (vars) => {
      await setEnvironment(functionName, vars);
    },
    remove: () => destroyLocal(deploy),
  };
}

/**
 * Changes the function's environment on $LATEST, then publishes a version and points the `live`
 * alias the API calls at it, as a configuration change reaches an alias on AWS.
 */
async function setEnvironment(
  functionName: string,
  vars: Record<string, string | undefined>,
): Promise<{ Version?: string }> {
  const lambda = new LambdaClient({});
  const current = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
  const merged: Record<string, string> = { ...current.Environment?.Variables };
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete merged[k];
    else merged[k] = v;
  }
  await lambda.send(
    new UpdateFunctionConfigurationCommand({ FunctionName: functionName, Environment: { Variables: merged } }),
  );
  await waitFor(`function ${functionName} updated (LastUpdateStatus Successful)`, async () => {
    const c = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
    if (c.LastUpdateStatus === 'Failed') throw new Error(`update failed: ${c.LastUpdateStatusReason}`);
    return c.LastUpdateStatus === 'Successful' ? true : undefined;
  });
  const version = await lambda.send(new PublishVersionCommand({ FunctionName: functionName }));
  await lambda.send(
    new UpdateAliasCommand({ FunctionName: functionName, Name: 'live', FunctionVersion: version.Version }),
  );
  return version;
}

/**
 * The HTTP API's CORS configuration from the synthesized template, applied again with UpdateApi.
 * ministack 1.5.33's CloudFormation keeps an AWS::ApiGatewayV2::Api's CorsConfiguration under
 * the template's keys (AllowOrigins, ...) where its gateway reads the API's (allowOrigins, ...), so
 * a stack's API answers preflights 403 and adds no CORS headers; AWS applies the template's
 * configuration. The values are the stack's own, not a copy.
 */
async function reapplyCors(templateFile: string, apiId: string): Promise<void> {
  const template = JSON.parse(readFileSync(templateFile, 'utf8')) as {
    Resources: Record<string, { Type: string; Properties?: { CorsConfiguration?: Record<string, unknown> } }>;
  };
  const cors = Object.values(template.Resources).find((r) => r.Type === 'AWS::ApiGatewayV2::Api')?.Properties
    ?.CorsConfiguration;
  if (!cors) return;
  await new ApiGatewayV2Client({}).send(new UpdateApiCommand({ ApiId: apiId, CorsConfiguration: cors }));
}
