/**
 * The CDK app: `pnpm --filter @samples/ecs-task-launcher synth | deploy | destroy`. Bundles the
 * function and the transcoder's image context first, then synthesizes with cdk-nag.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleLambda } from '@samples/build';
import { flowLogsOption, synthApp } from '@samples/cdk';
import { imageSource } from '@samples/transcoder/build';
import { RemovalPolicy } from 'aws-cdk-lib';
import { EcsTaskLauncherStack } from './stack.ts';

export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

export async function stackProps() {
  const bundle = await bundleLambda({
    entry: join(PACKAGE_DIR, 'src', 'handler.ts'),
    outdir: join(PACKAGE_DIR, 'dist', 'handler'),
  });
  return {
    bundle: bundle.zipFile,
    transcoderImage: await imageSource(),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const props = await stackProps();
  synthApp(
    (app, id, env) =>
      new EcsTaskLauncherStack(app, id ?? 'EcsTaskLauncher', {
        ...props,
        network: { flowLogs: flowLogsOption(app) },
        // deploy:local sets REMOVAL_POLICY=destroy: a throw-away emulator stack takes its table with it.
        removalPolicy: process.env.REMOVAL_POLICY === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
        capacityProvider: process.env.CAPACITY_PROVIDER === 'FARGATE_SPOT' ? 'FARGATE_SPOT' : 'FARGATE',
        env,
      }),
  );
}
