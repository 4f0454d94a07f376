/**
 * The CDK app: `pnpm --filter @samples/ecs-task-launcher synth | deploy | destroy`. Bundles the
 * function and the transcoder's image context first, then synthesizes with cdk-nag.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleLambda } from '@samples/build';
import { checkAwsSolutions } from '@samples/cdk';
import { buildImageContext } from '@samples/transcoder/build';
import { App } from 'aws-cdk-lib';
import { EcsTaskLauncherStack } from './stack.ts';

export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

export async function stackProps() {
  const bundle = await bundleLambda({
    entry: join(PACKAGE_DIR, 'src', 'handler.ts'),
    outdir: join(PACKAGE_DIR, 'dist', 'handler'),
  });
  return {
    bundle: bundle.zipFile,
    transcoderImage: {
      context: await buildImageContext(),
      dockerfile: join(PACKAGE_DIR, '..', '..', 'docker', 'transcoder.Dockerfile'),
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const app = new App();
  new EcsTaskLauncherStack(app, process.env.STACK_NAME ?? 'EcsTaskLauncher', {
    ...(await stackProps()),
    capacityProvider: process.env.CAPACITY_PROVIDER === 'FARGATE_SPOT' ? 'FARGATE_SPOT' : 'FARGATE',
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  checkAwsSolutions(app);
  app.synth();
}
