import { fileURLToPath } from 'node:url';
import { buildDockerImage } from '@samples/test-support/docker-image';
import { buildImageContext, DOCKERFILE } from '../scripts/build.ts';

export const IMAGE_TAG = 'aws-compute-samples/orders-api:local';

/** Bundles the API on the host, then builds docker/orders-api.Dockerfile. */
export const buildOrdersApiImage = (): Promise<string> =>
  buildDockerImage({ dockerfile: DOCKERFILE, tag: IMAGE_TAG, context: buildImageContext });

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await buildOrdersApiImage());
}
