// SPDX-License-Identifier: MIT-0
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
export const IMAGE_CONTEXT = join(PACKAGE_DIR, 'dist', 'image');
export const DOCKERFILE = join(PACKAGE_DIR, '..', '..', 'docker', 'orders-api.Dockerfile');

/**
 * The image's build context: one ESM file with every npm dependency bundled (Fastify, pino,
 * zod, the AWS SDK), so `docker build` installs nothing from npm. Only esbuild: this script is
 * copied with src/ (README, "Copy it").
 */
export async function buildImageContext(): Promise<string> {
  rmSync(IMAGE_CONTEXT, { recursive: true, force: true });
  mkdirSync(IMAGE_CONTEXT, { recursive: true });
  await build({
    entryPoints: [join(PACKAGE_DIR, 'src', 'main.ts')],
    outfile: join(IMAGE_CONTEXT, 'index.mjs'),
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    sourcemap: 'inline',
    // Some dependencies are CommonJS: they call require() and read __dirname inside the ESM bundle.
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
    logLevel: 'warning',
  });
  return IMAGE_CONTEXT;
}

/** The image as a CDK container asset needs it: the prepared context and the Dockerfile. */
export async function imageSource(): Promise<{ context: string; dockerfile: string }> {
  return { context: await buildImageContext(), dockerfile: DOCKERFILE };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await buildImageContext());
}
