/**
 * The CDK app: `pnpm --filter @samples/inference-proxy synth | deploy | destroy`. Bundles the
 * function and prepares the model server's image context first, then synthesizes with cdk-nag;
 * `cdk deploy` builds the model image and pushes it to the bootstrap repository.
 *
 * Options, as CDK context (`-c name=value`) or, failing that, environment variables:
 *   endpointName / INFERENCE_ENDPOINT_NAME   an endpoint you already run: no model, no image is created
 *   endpointType / INFERENCE_ENDPOINT_TYPE   serverless (default) or instance: what that endpoint is
 *   api / INFERENCE_API                      http (default) or rest
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleLambda } from '@samples/build';
import { readOption, synthApp } from '@samples/cdk';
import { buildImageContext } from '@samples/model-server/build';
import { App } from 'aws-cdk-lib';
import { InferenceProxyStack, type InferenceProxyStackProps } from './stack.ts';

export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

/** The function bundle, and the model image context unless an existing endpoint serves the model. */
export async function stackProps(opts: { modelImage?: boolean } = {}) {
  const bundle = await bundleLambda({
    entry: join(PACKAGE_DIR, 'src', 'handler.ts'),
    outdir: join(PACKAGE_DIR, 'dist', 'handler'),
  });
  return {
    bundle: bundle.zipFile,
    modelImage:
      opts.modelImage === false
        ? undefined
        : {
            context: await buildImageContext(),
            dockerfile: join(PACKAGE_DIR, '..', '..', 'docker', 'model-server.Dockerfile'),
          },
  };
}

/** The options of the command line: `-c endpointName=... -c endpointType=instance -c api=rest`, or env. */
export function optionsOf(app: App, env: NodeJS.ProcessEnv = process.env): Partial<InferenceProxyStackProps> {
  const read = (context: string, variable: string) => readOption(app, context, variable, env);
  const api = read('api', 'INFERENCE_API');
  if (api !== undefined && api !== 'http' && api !== 'rest') throw new Error(`api must be http or rest, not ${api}`);
  const endpointType = read('endpointType', 'INFERENCE_ENDPOINT_TYPE');
  if (endpointType !== undefined && endpointType !== 'serverless' && endpointType !== 'instance') {
    throw new Error(`endpointType must be serverless or instance, not ${endpointType}`);
  }
  return {
    existingEndpointName: read('endpointName', 'INFERENCE_ENDPOINT_NAME'),
    ...(endpointType ? { endpoint: { type: endpointType } } : {}),
    ...(api ? { api } : {}),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // An app of its own reads the CLI's context before synthesis, so the model image context is
  // prepared only when the stack builds the model.
  const options = optionsOf(new App({ autoSynth: false }));
  const props = await stackProps({ modelImage: options.existingEndpointName === undefined });
  synthApp((app, id, env) => new InferenceProxyStack(app, id ?? 'InferenceProxy', { ...props, ...options, env }));
}
