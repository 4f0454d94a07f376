import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LocalstackContainer } from '@testcontainers/localstack';
import { GenericContainer, type StartedTestContainer, Wait } from 'testcontainers';

export const DOCKER_SOCKET = '/var/run/docker.sock';

export interface ContainerEmulator {
  endpoint: string;
  port: number;
  container: StartedTestContainer;
  stop(): Promise<void>;
}

/** The folder of LocalStack-style init hooks kept at the top of the repository. */
export function initHooksDir(repoRoot: string): string | undefined {
  const dir = join(repoRoot, 'localstack', 'init', 'ready.d');
  return existsSync(dir) && readdirSync(dir).length > 0 ? dir : undefined;
}

/**
 * ministack from its pinned image, with the Docker socket mounted so ECS tasks run as
 * real sibling containers.
 */
export async function startMinistackContainer(opts: {
  image: string;
  region: string;
  hooks: string | undefined;
}): Promise<ContainerEmulator> {
  let builder = new GenericContainer(opts.image)
    .withExposedPorts(4566)
    .withEnvironment({ MINISTACK_REGION: opts.region })
    .withBindMounts([{ source: DOCKER_SOCKET, target: DOCKER_SOCKET }])
    .withWaitStrategy(Wait.forHttp('/_localstack/health', 4566).forStatusCode(200))
    .withStartupTimeout(60_000);
  if (opts.hooks) {
    builder = builder.withCopyDirectoriesToContainer([{ source: opts.hooks, target: '/etc/localstack/init/ready.d' }]);
  }
  const container = await builder.start();
  const port = container.getMappedPort(4566);
  return {
    endpoint: loopbackIp(`http://${container.getHost()}:${port}`),
    port,
    container,
    stop: async () => {
      await container.stop({ timeout: 5_000 });
    },
  };
}

/** LocalStack through @testcontainers/localstack, with the repository's init hooks copied in. */
export async function startLocalstack(opts: {
  image: string;
  token: string | undefined;
  region: string;
  hooks: string | undefined;
}): Promise<ContainerEmulator> {
  let builder = new LocalstackContainer(opts.image)
    .withEnvironment({
      AWS_DEFAULT_REGION: opts.region,
      ...(opts.token ? { LOCALSTACK_AUTH_TOKEN: opts.token } : {}),
    })
    .withBindMounts([{ source: DOCKER_SOCKET, target: DOCKER_SOCKET }])
    .withStartupTimeout(120_000);
  if (opts.hooks) {
    builder = builder.withCopyDirectoriesToContainer([{ source: opts.hooks, target: '/etc/localstack/init/ready.d' }]);
  }
  const container = await builder.start();
  const port = container.getMappedPort(4566);
  return {
    endpoint: loopbackIp(container.getConnectionUri()),
    port,
    container,
    stop: async () => {
      await container.stop({ timeout: 5_000 });
    },
  };
}

/** `localhost` becomes 127.0.0.1: S3 clients then address buckets by path, as emulators need. */
function loopbackIp(endpoint: string): string {
  return endpoint.replace('://localhost:', '://127.0.0.1:');
}
