/**
 * The CDK app: `pnpm --filter @samples/video-pipeline synth | deploy | destroy`. Bundles the
 * three functions and the transcoder's image context first, then synthesizes with cdk-nag.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleLambda } from '@samples/build';
import { flowLogsOption, synthApp } from '@samples/cdk';
import { imageSource } from '@samples/transcoder/build';
import { VideoPipelineStack } from './stack.ts';

export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

export async function stackProps() {
  const bundle = async (entry: string) =>
    (await bundleLambda({ entry: join(PACKAGE_DIR, 'src', `${entry}.ts`), outdir: join(PACKAGE_DIR, 'dist', entry) }))
      .zipFile;
  return {
    bundles: { validate: await bundle('validate'), notify: await bundle('notify'), trigger: await bundle('trigger') },
    transcoderImage: await imageSource(),
    definitionFile: join(PACKAGE_DIR, 'statemachine', 'video-pipeline.asl.json'),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const props = await stackProps();
  synthApp(
    (app, id, env) =>
      new VideoPipelineStack(app, id ?? 'VideoPipeline', { ...props, network: { flowLogs: flowLogsOption(app) }, env }),
  );
}
