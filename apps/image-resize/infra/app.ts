/**
 * The CDK app: `pnpm --filter @samples/image-resize synth | deploy | destroy`. Bundles the
 * handler (sharp's linux-x64 binaries in the zip) first, then synthesizes with cdk-nag.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleLambda } from '@samples/build';
import { checkAwsSolutions } from '@samples/cdk';
import { App } from 'aws-cdk-lib';
import { ImageResizeStack } from './stack.ts';

export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

export async function stackProps() {
  const bundle = await bundleLambda({
    entry: join(PACKAGE_DIR, 'src', 'handler.ts'),
    outdir: join(PACKAGE_DIR, 'dist', 'handler'),
    external: ['sharp'],
    resolveFrom: PACKAGE_DIR,
  });
  return { bundle: bundle.zipFile };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const app = new App();
  new ImageResizeStack(app, process.env.STACK_NAME ?? 'ImageResize', {
    ...(await stackProps()),
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  checkAwsSolutions(app);
  app.synth();
}
