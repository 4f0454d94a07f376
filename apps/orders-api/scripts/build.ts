import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleNode } from '@samples/build';

export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
export const IMAGE_CONTEXT = join(PACKAGE_DIR, 'dist', 'image');
export const DOCKERFILE = join(PACKAGE_DIR, '..', '..', 'docker', 'orders-api.Dockerfile');

/**
 * The image's build context: one ESM file with every npm dependency bundled (Fastify, pino,
 * zod, the AWS SDK), so `docker build` installs nothing from npm.
 */
export async function buildImageContext(): Promise<string> {
  rmSync(IMAGE_CONTEXT, { recursive: true, force: true });
  mkdirSync(IMAGE_CONTEXT, { recursive: true });
  await bundleNode(join(PACKAGE_DIR, 'src', 'main.ts'), join(IMAGE_CONTEXT, 'index.mjs'), { sourcemap: 'inline' });
  return IMAGE_CONTEXT;
}

/** The image as a CDK container asset needs it: the prepared context and the Dockerfile. */
export async function imageSource(): Promise<{ context: string; dockerfile: string }> {
  return { context: await buildImageContext(), dockerfile: DOCKERFILE };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await buildImageContext());
}
