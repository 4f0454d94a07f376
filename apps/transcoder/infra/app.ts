/**
 * The CDK app: `pnpm --filter @samples/transcoder synth | deploy | destroy`. Prepares the
 * image's build context first (one bundle), then synthesizes with cdk-nag; `cdk deploy`
 * builds the image and pushes it to the bootstrap repository.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkAwsSolutions } from '@samples/cdk';
import { App } from 'aws-cdk-lib';
import { buildImageContext, PACKAGE_DIR } from '../scripts/build.ts';
import { TranscoderStack } from './stack.ts';

export async function stackProps() {
  return {
    image: {
      context: await buildImageContext(),
      dockerfile: join(PACKAGE_DIR, '..', '..', 'docker', 'transcoder.Dockerfile'),
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const app = new App();
  new TranscoderStack(app, process.env.STACK_NAME ?? 'Transcoder', {
    ...(await stackProps()),
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  checkAwsSolutions(app);
  app.synth();
}
