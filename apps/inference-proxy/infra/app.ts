/**
 * The CDK app: `pnpm --filter @samples/inference-proxy synth | deploy | destroy`. Bundles the
 * function and prepares the model server's image context first, then synthesizes with cdk-nag;
 * `cdk deploy` builds the model image and pushes it to the bootstrap repository.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleLambda } from '@samples/build';
import { synthApp } from '@samples/cdk';
import { buildImageContext } from '@samples/model-server/build';
import { InferenceProxyStack } from './stack.ts';

export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

export async function stackProps() {
  const bundle = await bundleLambda({
    entry: join(PACKAGE_DIR, 'src', 'handler.ts'),
    outdir: join(PACKAGE_DIR, 'dist', 'handler'),
  });
  return {
    bundle: bundle.zipFile,
    modelImage: {
      context: await buildImageContext(),
      dockerfile: join(PACKAGE_DIR, '..', '..', 'docker', 'model-server.Dockerfile'),
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const props = await stackProps();
  synthApp((app, id, env) => new InferenceProxyStack(app, id ?? 'InferenceProxy', { ...props, env }));
}
