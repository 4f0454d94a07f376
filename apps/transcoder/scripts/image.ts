import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildImageContext, PACKAGE_DIR } from './build.ts';

export const DOCKERFILE = join(PACKAGE_DIR, '..', '..', 'docker', 'transcoder.Dockerfile');
export const IMAGE_TAG = 'aws-compute-samples/transcoder:local';

let building: Promise<string> | undefined;

/**
 * Bundles the program on the host, then builds docker/transcoder.Dockerfile with the docker
 * CLI (the legacy builder works; no BuildKit features are used). Built once per process.
 */
export function buildTranscoderImage(): Promise<string> {
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
  console.log(await buildTranscoderImage());
}
