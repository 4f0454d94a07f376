// SPDX-License-Identifier: MIT-0
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Builds what docker/model-server.Dockerfile copies into the image (dist/image):
 *   index.mjs          the server, TensorFlow.js and the MobileNetV2 weights in one ESM file
 *   wasm/*.wasm        the TensorFlow.js WebAssembly binaries (TFJS_WASM_DIR)
 *   node_modules/      sharp with its native libvips for linux-x64
 * Everything comes from npm packages already installed on the host: the image build
 * downloads nothing. Only esbuild: this script is copied with src/ (README, "Copy it").
 */
export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const IMAGE_DIR = join(PACKAGE_DIR, 'dist', 'image');

export async function buildImageContext(): Promise<string> {
  rmSync(IMAGE_DIR, { recursive: true, force: true });
  mkdirSync(IMAGE_DIR, { recursive: true });
  await build({
    entryPoints: [join(PACKAGE_DIR, 'src', 'main.ts')],
    outfile: join(IMAGE_DIR, 'index.mjs'),
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    // TensorFlow.js is CommonJS: it calls require() and reads __dirname inside the ESM bundle.
    banner: {
      js: [
        "import { createRequire as __cr } from 'node:module';",
        "import { dirname as __dn } from 'node:path';",
        "import { fileURLToPath as __fu } from 'node:url';",
        'const require = __cr(import.meta.url);',
        'const __filename = __fu(import.meta.url);',
        'const __dirname = __dn(__filename);',
      ].join(' '),
    },
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

  // sharp and its native parts (the @img/* packages present for this platform), with what
  // they depend on, as node_modules/ beside the bundle.
  copyPackage('sharp', PACKAGE_DIR, join(IMAGE_DIR, 'node_modules'), new Set());

  const require = createRequire(join(PACKAGE_DIR, 'package.json'));
  const wasmDist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
  mkdirSync(join(IMAGE_DIR, 'wasm'), { recursive: true });
  for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
    copyFileSync(join(wasmDist, f), join(IMAGE_DIR, 'wasm', f));
  }
  writeFileSync(join(IMAGE_DIR, 'package.json'), `${JSON.stringify({ type: 'module', private: true }, null, 2)}\n`);
  return IMAGE_DIR;
}

/** Copies node_modules/<name> and, recursively, its dependencies and the optional ones installed. */
function copyPackage(name: string, from: string, into: string, seen: Set<string>): void {
  if (seen.has(name)) return;
  const dir = packageDir(name, from);
  if (!dir) return;
  seen.add(name);
  cpSync(dir, join(into, name), { recursive: true, filter: (src) => !src.slice(dir.length).includes('node_modules') });
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
  };
  for (const dep of [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})]) {
    copyPackage(dep, dir, into, seen);
  }
}

/** The installed folder of a package as `from` resolves it, through the node_modules folders above it. */
function packageDir(name: string, from: string): string | undefined {
  for (let dir = realpathSync(from); ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(dir) === dir) return undefined;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(`image context in ${await buildImageContext()}`);
}
