import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDockerImage } from '@samples/test-support/docker-image';
import { buildImageContext, PACKAGE_DIR } from './build.ts';

export const DOCKERFILE = join(PACKAGE_DIR, '..', '..', 'docker', 'transcoder.Dockerfile');
export const IMAGE_TAG = 'aws-compute-samples/transcoder:local';

/** Bundles the program on the host, then builds docker/transcoder.Dockerfile. */
export const buildTranscoderImage = (): Promise<string> =>
  buildDockerImage({ dockerfile: DOCKERFILE, tag: IMAGE_TAG, context: buildImageContext });

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await buildTranscoderImage());
}
