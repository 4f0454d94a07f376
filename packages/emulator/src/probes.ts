import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { getContainerRuntimeClient, ImageName } from 'testcontainers';
import type { Probes } from './select.ts';

/** Asks the Docker engine (through testcontainers) and Python whether they are there. */
export async function probe(
  images: string[],
  python: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Probes & { dockerGateway: string | undefined }> {
  const present = new Set<string>();
  let docker: Probes['docker'];
  let dockerGateway: string | undefined;
  const socket = env.DOCKER_HOST?.startsWith('unix://') ? env.DOCKER_HOST.slice('unix://'.length) : undefined;
  if (socket && !existsSync(socket)) {
    // An explicit DOCKER_HOST is honoured: no silent fall-back to another engine.
    docker = { ok: false, reason: `no Docker engine (DOCKER_HOST=${env.DOCKER_HOST} does not exist)` };
  } else {
    try {
      const client = await getContainerRuntimeClient();
      docker = { ok: true };
      for (const image of images) {
        if (await client.image.exists(ImageName.fromString(image))) present.add(image);
      }
      dockerGateway = await bridgeGateway(client);
    } catch (error) {
      docker = { ok: false, reason: `no Docker engine (${firstLine(error)})` };
    }
  }
  return { docker, dockerGateway, imagePresent: (image) => present.has(image), python: probePython(python) };
}

/**
 * The host's address on Docker's default bridge: how a container reaches a port the
 * host listens on. An IP, not a name, so S3 clients address buckets by path.
 */
async function bridgeGateway(
  client: Awaited<ReturnType<typeof getContainerRuntimeClient>>,
): Promise<string | undefined> {
  try {
    const net = (await client.network.getById('bridge').inspect()) as {
      IPAM?: { Config?: { Gateway?: string; Subnet?: string }[] };
    };
    const config = net.IPAM?.Config ?? [];
    const gateway = config.find((c) => c.Gateway)?.Gateway;
    if (gateway) return gateway;
    // Docker 20.10 may list only the subnet; the engine gives the bridge its first address.
    const subnet = config.find((c) => c.Subnet && /^\d+\.\d+\.\d+\.\d+\//.test(c.Subnet))?.Subnet;
    return subnet ? firstHost(subnet) : undefined;
  } catch {
    return undefined;
  }
}

function probePython(python: string): Probes['python'] {
  const result = spawnSync(python, ['-c', 'import sys, venv, ensurepip; assert sys.version_info >= (3, 10)'], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (result.error) return { ok: false, reason: `${python} not found (${result.error.message})` };
  if (result.status !== 0) {
    return { ok: false, reason: `${python} is not Python >= 3.10 with venv and ensurepip: ${lastLine(result.stderr)}` };
  }
  return { ok: true };
}

export function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]?.trim() ?? text;
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}

/** 172.17.0.0/16 -> 172.17.0.1 */
export function firstHost(subnet: string): string {
  const [ip] = subnet.split('/');
  const parts = (ip ?? '').split('.').map(Number);
  parts[3] = (parts[3] ?? 0) + 1;
  return parts.join('.');
}
