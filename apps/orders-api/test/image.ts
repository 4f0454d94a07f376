import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildImageContext, DOCKERFILE } from '../scripts/build.ts';

export const IMAGE_TAG = 'aws-compute-samples/orders-api:local';

let building: Promise<string> | undefined;

/**
 * Bundles the API on the host, then builds docker/orders-api.Dockerfile with the docker CLI.
 * Built once per process; Docker's layer cache makes a rebuild of an unchanged bundle instant.
 */
export function buildOrdersApiImage(): Promise<string> {
  building ??= (async () => {
    const context = await buildImageContext();
    const args = ['build', '-q', '-f', DOCKERFILE, '-t', IMAGE_TAG];
    if (process.env.BASE_IMAGE) args.push('--build-arg', `BASE_IMAGE=${process.env.BASE_IMAGE}`);
    const res = spawnSync('docker', [...args, context], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (res.status !== 0) throw new Error(`docker build failed (${res.status}): ${res.stderr || res.error?.message}`);
    return IMAGE_TAG;
  })();
  return building;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await buildOrdersApiImage());
}
