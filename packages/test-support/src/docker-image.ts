import { spawnSync } from 'node:child_process';

export interface DockerImage {
  /** The Dockerfile, anywhere on disk (passed with `-f`). */
  dockerfile: string;
  tag: string;
  /** Prepares the build context (bundles on the host) and returns its folder. */
  context: () => Promise<string>;
}

const built = new Map<string, Promise<string>>();

/**
 * Builds an image with the docker CLI (the legacy builder works: no BuildKit features are used)
 * once per process and tag; Docker's layer cache makes a rebuild of an unchanged context instant.
 * BASE_IMAGE, when set, is passed as a build argument (machines without a registry build their
 * base images locally).
 */
export function buildDockerImage({ dockerfile, tag, context }: DockerImage): Promise<string> {
  let building = built.get(tag);
  if (!building) {
    building = (async () => {
      const dir = await context();
      const args = ['build', '-q', '-f', dockerfile, '-t', tag];
      if (process.env.BASE_IMAGE) args.push('--build-arg', `BASE_IMAGE=${process.env.BASE_IMAGE}`);
      const res = spawnSync('docker', [...args, dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      if (res.status !== 0) {
        throw new Error(`docker build of ${tag} failed (${res.status}): ${res.stderr || res.error?.message}`);
      }
      return tag;
    })();
    // A failed build is not remembered: the next caller tries again.
    building.catch(() => built.delete(tag));
    built.set(tag, building);
  }
  return building;
}
