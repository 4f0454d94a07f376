/**
 * The CDK app: `pnpm --filter @samples/transcoder synth | deploy | destroy`. Prepares the
 * image's build context first (one bundle), then synthesizes with cdk-nag; `cdk deploy`
 * builds the image and pushes it to the bootstrap repository.
 */
import { fileURLToPath } from 'node:url';
import { flowLogsOption, synthApp } from '@samples/cdk';
import { imageSource } from '../scripts/build.ts';
import { TranscoderStack } from './stack.ts';

export async function stackProps() {
  return { image: await imageSource() };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const props = await stackProps();
  synthApp(
    (app, id, env) =>
      new TranscoderStack(app, id ?? 'Transcoder', { ...props, network: { flowLogs: flowLogsOption(app) }, env }),
  );
}
