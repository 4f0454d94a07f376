import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GenericContainer } from 'testcontainers';
import { buildImageContext, PACKAGE_DIR } from './build.ts';

export const DOCKERFILE = join(PACKAGE_DIR, '..', '..', 'docker', 'model-server.Dockerfile');
export const DEFAULT_TAG = 'samples/model-server:local';

/**
 * Builds the host-side context (dist/image), then the image from
 * docker/model-server.Dockerfile through the Docker engine's API; returns the tag.
 */
export async function buildModelServerImage(tag = DEFAULT_TAG): Promise<string> {
  const context = await buildImageContext();
  copyFileSync(DOCKERFILE, join(context, 'Dockerfile'));
  let builder = GenericContainer.fromDockerfile(context, 'Dockerfile');
  if (process.env.BASE_IMAGE) builder = builder.withBuildArgs({ BASE_IMAGE: process.env.BASE_IMAGE });
  await builder.build(tag, { deleteOnExit: false });
  return tag;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await buildModelServerImage(process.argv[2]));
}
