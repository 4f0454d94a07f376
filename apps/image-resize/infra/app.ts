/**
 * The CDK app: `pnpm --filter @samples/image-resize synth | deploy | destroy`. Bundles the
 * handler (sharp's linux-x64 binaries in the zip) first, then synthesizes with cdk-nag.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleLambda } from '@samples/build';
import { synthApp } from '@samples/cdk';
import { ImageResizeStack } from './stack.ts';

export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

/** The files a zip must hold for sharp to load on the x86_64 `nodejs24.x` runtime. */
export const SHARP_LINUX_X64 = [
  'node_modules/sharp/package.json',
  'node_modules/@img/sharp-linux-x64/package.json',
  'node_modules/@img/sharp-libvips-linux-x64/lib/libvips-cpp.so',
];

export async function stackProps() {
  const bundle = await bundleLambda({
    entry: join(PACKAGE_DIR, 'src', 'handler.ts'),
    outdir: join(PACKAGE_DIR, 'dist', 'handler'),
    external: ['sharp'],
    resolveFrom: PACKAGE_DIR,
  });
  // Zip entry names are stored uncompressed. A bundle made where sharp's linux-x64 build is not
  // installed (macOS, arm64) would deploy and then fail at its first import: refuse it here.
  const zip = Buffer.from(bundle.zip);
  const missing = SHARP_LINUX_X64.filter((f) => !zip.includes(f));
  if (missing.length > 0) {
    throw new Error(
      `function.zip lacks ${missing.join(', ')}: install sharp for linux-x64 (npm install --os=linux --cpu=x64 sharp)`,
    );
  }
  return { bundle: bundle.zipFile };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const props = await stackProps();
  synthApp((app, id, env) => new ImageResizeStack(app, id ?? 'ImageResize', { ...props, env }));
}
