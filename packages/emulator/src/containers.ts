import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { LocalstackContainer } from '@testcontainers/localstack';
import { GenericContainer, getContainerRuntimeClient, type StartedTestContainer, Wait } from 'testcontainers';
import { composeFile, readComposeService } from './compose.ts';
import { REPO_ROOT } from './paths.ts';

export interface ContainerEmulator {
  endpoint: string;
  port: number;
  container: StartedTestContainer;
  /** What the image says of itself, for the logs (see LAMBDA_LABEL's neighbour REPLACED_LABEL). */
  notes?: string[];
  stop(): Promise<void>;
}

/**
 * An image built here (.ci/images/localstack.Dockerfile) lists under this label what it replaces of
 * the community code; the harness prints it with the backend, so every run says it.
 */
export const REPLACED_LABEL = 'aws-compute-samples.replaced';

/** The folder of LocalStack-style init hooks kept at the top of the repository. */
export function initHooksDir(repoRoot: string): string | undefined {
  const dir = join(repoRoot, 'localstack', 'init', 'ready.d');
  return existsSync(dir) && readdirSync(dir).length > 0 ? dir : undefined;
}

/**
 * ministack as `localstack/compose.yaml` describes it (its environment, the Docker socket so
 * ECS tasks run as real sibling containers, the init hooks), from the given image.
 */
export async function startMinistackContainer(opts: {
  image: string;
  region: string;
  enforceIam: boolean;
}): Promise<ContainerEmulator> {
  const service = readComposeService(composeFile(REPO_ROOT), 'ministack', {
    MINISTACK_IMAGE: opts.image,
    AWS_REGION: opts.region,
    MINISTACK_AUTH: String(opts.enforceIam),
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

/** Label the harness puts on LocalStack's Lambda containers, to find any left behind. */
export const LAMBDA_LABEL = 'aws-compute-samples.localstack-run';

/**
 * LocalStack through @testcontainers/localstack, configured as `localstack/compose.yaml` describes
 * it: the Docker socket (Lambda functions run as sibling containers), the init hooks, and one
 * port number inside and out, chosen before the start: URLs that LocalStack writes itself, such as
 * queue URLs in CloudFormation outputs, name its own port and must be reachable from here.
 */
export async function startLocalstack(opts: {
  image: string;
  token: string | undefined;
  region: string;
}): Promise<ContainerEmulator> {
  const hostPort = await freePort();
  const service = readComposeService(composeFile(REPO_ROOT), 'localstack', {
    LOCALSTACK_IMAGE: opts.image,
    AWS_REGION: opts.region,
    LOCALSTACK_AUTH_TOKEN: opts.token,
    EMULATOR_PORT: String(hostPort),
  });
  const runId = randomUUID();
  const environment = Object.fromEntries(Object.entries(service.environment).filter(([, v]) => v !== ''));
  environment.LAMBDA_DOCKER_FLAGS = `${environment.LAMBDA_DOCKER_FLAGS ?? ''} -l ${LAMBDA_LABEL}=${runId}`.trim();
  const container = await new LocalstackContainer(service.image)
    .withEnvironment(environment)
    .withExposedPorts({ container: hostPort, host: hostPort })
    .withBindMounts(service.binds)
    .withStartupTimeout(120_000)
    .start();
  const endpoint = `http://127.0.0.1:${hostPort}`;
  const notes: string[] = [];
  const version = await localstackVersion(endpoint);
  if (version) notes.push(`LocalStack ${version}`);
  const replaced = container.getLabels()[REPLACED_LABEL];
  if (replaced) {
    notes.push(`image ${service.image}: built locally from PyPI localstack-core, not LocalStack's published image`);
    notes.push(...replaced.split(';').map((r) => `replaced offline: ${r.trim()}`));
  }
  return {
    endpoint,
    port: hostPort,
    container,
    notes,
    stop: async () => {
      // LocalStack removes its Lambda containers on SIGTERM if given the time.
      await container.stop({ timeout: 20_000 });
      const left = await removeLambdaContainers(runId);
      if (left.length > 0)
        console.warn(`[emulator] removed Lambda containers LocalStack left behind: ${left.join(', ')}`);
    },
  };
}

/** Force-removes the Lambda containers of one LocalStack run; returns their names. */
export async function removeLambdaContainers(runId: string): Promise<string[]> {
  const client = await getContainerRuntimeClient();
  const found = await client.container.list();
  const mine = found.filter((c) => c.Labels?.[LAMBDA_LABEL] === runId);
  for (const c of mine) await client.container.getById(c.Id).remove({ force: true });
  return mine.map((c) => (c.Names?.[0] ?? c.Id).replace(/^\//, ''));
}

async function localstackVersion(endpoint: string): Promise<string | undefined> {
  try {
    const res = await fetch(`${endpoint}/_localstack/info`, { signal: AbortSignal.timeout(5_000) });
    const info = (await res.json()) as { version?: string; edition?: string };
    return info.version ? `${info.version}${info.edition ? ` (${info.edition})` : ''}` : undefined;
  } catch {
    return undefined;
  }
}

/** A TCP port free on this machine now (the kernel's choice). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** `localhost` becomes 127.0.0.1: S3 clients then address buckets by path, as emulators need. */
function loopbackIp(endpoint: string): string {
  return endpoint.replace('://localhost:', '://127.0.0.1:');
}
