/**
 * The CDK app: `pnpm --filter @samples/order-processor synth | deploy | destroy | deploy:local`.
 * Bundles the handler first, then synthesizes with cdk-nag.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleLambda } from '@samples/build';
import { checkAwsSolutions } from '@samples/cdk';
import { App, RemovalPolicy } from 'aws-cdk-lib';
import { OrderProcessorStack } from './stack.ts';

export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

export async function stackProps() {
  const bundle = await bundleLambda({
    entry: join(PACKAGE_DIR, 'src', 'handler.ts'),
    outdir: join(PACKAGE_DIR, 'dist', 'handler'),
  });
  return { bundle: bundle.zipFile };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const app = new App();
  new OrderProcessorStack(app, process.env.STACK_NAME ?? 'OrderProcessor', {
    ...(await stackProps()),
    removalPolicy: process.env.REMOVAL_POLICY === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  checkAwsSolutions(app);
  app.synth();
}
