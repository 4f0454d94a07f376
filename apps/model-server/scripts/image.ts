import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDockerImage } from '@samples/test-support/docker-image';
import { buildImageContext, PACKAGE_DIR } from './build.ts';

export const DOCKERFILE = join(PACKAGE_DIR, '..', '..', 'docker', 'model-server.Dockerfile');
export const DEFAULT_TAG = 'samples/model-server:local';

/** Builds the host-side context (dist/image), then docker/model-server.Dockerfile; returns the tag. */
export const buildModelServerImage = (tag = DEFAULT_TAG): Promise<string> =>
  buildDockerImage({ dockerfile: DOCKERFILE, tag, context: buildImageContext });

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await buildModelServerImage(process.argv[2]));
}
