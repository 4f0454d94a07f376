import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleLambda, bundleNode } from '@samples/build';
import { unzipSync } from 'fflate';

/**
 * Builds what docker/model-server.Dockerfile copies into the image (dist/image):
 *   index.mjs          the server, TensorFlow.js and the MobileNetV2 weights in one ESM file
 *   wasm/*.wasm        the TensorFlow.js WebAssembly binaries (TFJS_WASM_DIR)
 *   node_modules/      sharp with its native libvips for linux-x64
 * Everything comes from npm packages already installed on the host: the image build
 * downloads nothing.
 */
export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const IMAGE_DIR = join(PACKAGE_DIR, 'dist', 'image');

export async function buildImageContext(): Promise<string> {
  rmSync(IMAGE_DIR, { recursive: true, force: true });
  mkdirSync(IMAGE_DIR, { recursive: true });
  await bundleNode(join(PACKAGE_DIR, 'src', 'main.ts'), join(IMAGE_DIR, 'index.mjs'), {
    minify: true,
    external: ['sharp'],
    plugins: [
      {
        // nsfwjs ships three models; only MobileNetV2 is served, so the other weights
        // (loaded by dynamic import, never reached) stay out of the bundle.
        name: 'only-mobilenet-v2',
        setup(b) {
          b.onResolve({ filter: /\/models\/(inception_v3|mobilenet_v2_mid)\// }, (args) => ({
            path: args.path,
            namespace: 'unused-model',
          }));
          b.onLoad({ filter: /.*/, namespace: 'unused-model' }, () => ({
            contents: 'throw new Error("only MobileNetV2 is bundled");',
            loader: 'js',
          }));
        },
      },
    ],
    logLevel: 'warning',
  });

  // sharp and its native parts, copied the way Lambda bundles get them.
  const sharpOnly = await bundleLambda({
    entry: join(PACKAGE_DIR, 'src', 'preprocess.ts'),
    outdir: join(PACKAGE_DIR, 'dist', 'sharp'),
    external: ['sharp'],
    resolveFrom: PACKAGE_DIR,
  });
  for (const [name, data] of Object.entries(unzipSync(sharpOnly.zip))) {
    if (!name.startsWith('node_modules/') || name.endsWith('/')) continue;
    const target = join(IMAGE_DIR, name);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, data);
  }
  rmSync(join(PACKAGE_DIR, 'dist', 'sharp'), { recursive: true, force: true });

  const require = createRequire(join(PACKAGE_DIR, 'package.json'));
  const wasmDist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
  mkdirSync(join(IMAGE_DIR, 'wasm'), { recursive: true });
  for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
    copyFileSync(join(wasmDist, f), join(IMAGE_DIR, 'wasm', f));
  }
  writeFileSync(join(IMAGE_DIR, 'package.json'), `${JSON.stringify({ type: 'module', private: true }, null, 2)}\n`);
  return IMAGE_DIR;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(`image context in ${await buildImageContext()}`);
}
