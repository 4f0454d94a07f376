/**
 * The CDK app: `pnpm --filter @samples/order-processor synth | deploy | destroy | deploy:local`.
 * Bundles the handler first, then synthesizes with cdk-nag.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleLambda } from '@samples/build';
import { readOption, synthApp } from '@samples/cdk';
import { type App, RemovalPolicy } from 'aws-cdk-lib';
import { OrderProcessorStack } from './stack.ts';

export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

export async function stackProps() {
  const bundle = await bundleLambda({
    entry: join(PACKAGE_DIR, 'src', 'handler.ts'),
    outdir: join(PACKAGE_DIR, 'dist', 'handler'),
  });
  return { bundle: bundle.zipFile };
}

/** `-c fifo=true` (or `FIFO=true`): the FIFO variant of the stack. */
export function fifoOption(app: App, env = process.env): boolean {
  const value = readOption(app, 'fifo', 'FIFO', env) ?? 'false';
  if (value !== 'true' && value !== 'false') throw new Error(`fifo must be true or false, not ${value}`);
  return value === 'true';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const props = await stackProps();
  synthApp(
    (app, id, env) =>
      new OrderProcessorStack(app, id ?? 'OrderProcessor', {
        ...props,
        fifo: fifoOption(app),
        removalPolicy: process.env.REMOVAL_POLICY === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
        env,
      }),
  );
}
