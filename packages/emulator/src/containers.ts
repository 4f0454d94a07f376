import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LocalstackContainer } from '@testcontainers/localstack';
import { GenericContainer, type StartedTestContainer, Wait } from 'testcontainers';
import { composeFile, readComposeService } from './compose.ts';
import { REPO_ROOT } from './paths.ts';

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
 * ministack as `localstack/compose.yaml` describes it (its environment, the Docker socket so
 * ECS tasks run as real sibling containers, the init hooks), from the given image.
 */
export async function startMinistackContainer(opts: { image: string; region: string }): Promise<ContainerEmulator> {
  const service = readComposeService(composeFile(REPO_ROOT), 'ministack', {
    MINISTACK_IMAGE: opts.image,
    AWS_REGION: opts.region,
  });
  const container = await new GenericContainer(service.image)
    .withExposedPorts(4566)
    .withEnvironment(service.environment)
    .withBindMounts(service.binds)
    .withWaitStrategy(Wait.forHttp('/_localstack/health', 4566).forStatusCode(200))
    .withStartupTimeout(60_000)
    .start();
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

/** LocalStack through @testcontainers/localstack, configured as `localstack/compose.yaml` describes it. */
export async function startLocalstack(opts: {
  image: string;
  token: string | undefined;
  region: string;
}): Promise<ContainerEmulator> {
  const service = readComposeService(composeFile(REPO_ROOT), 'localstack', {
    LOCALSTACK_IMAGE: opts.image,
    AWS_REGION: opts.region,
    LOCALSTACK_AUTH_TOKEN: opts.token,
  });
  const environment = Object.fromEntries(Object.entries(service.environment).filter(([, v]) => v !== ''));
  const container = await new LocalstackContainer(service.image)
    .withEnvironment(environment)
    .withBindMounts(service.binds)
    .withStartupTimeout(120_000)
    .start();
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
