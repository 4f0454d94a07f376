/**
 * `pnpm deploy:local` in a workload: its CDK app deployed into the local emulator with the
 * real CDK CLI: `cdk bootstrap` (idempotent), then `cdk deploy`; the assembly and its
 * `outputs.json` go to `cdk.out/local/<stack name>`. The emulator is the one `AWS_ENDPOINT_URL`
 * points at (start one with `pnpm emulator start` and export what it prints). Tables whose app
 * reads `REMOVAL_POLICY` are deleted with the stack (`REMOVAL_POLICY=destroy`); media buckets
 * are retained as on AWS and go with the emulator.
 *
 *   node ../../packages/cdk/src/deploy-local.ts [deploy|destroy] [-c name=value ...]
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const LOCAL_ACCOUNT = '000000000000';

const cdkCli = createRequire(import.meta.url).resolve('aws-cdk/bin/cdk');

export interface LocalDeployOptions {
  /** The workload's folder (where `infra/app.ts` is). */
  cwd: string;
  /** Defaults to `node infra/app.ts`. */
  app?: string;
  /** The SDK environment of the emulator: AWS_ENDPOINT_URL, AWS_REGION, credentials. */
  env: NodeJS.ProcessEnv;
  stackName?: string;
  /** CDK context, passed as `-c key=value` (the app's own options). */
  context?: Record<string, string>;
  /** Print the CLI's output as it goes (default: only on failure). */
  verbose?: boolean;
}

/** A cloud assembly per stack name, so that two deployments of one app at once do not collide. */
export function assemblyDir(opts: Pick<LocalDeployOptions, 'cwd' | 'stackName'>): string {
  return join(opts.cwd, 'cdk.out', 'local', opts.stackName ?? 'default');
}

/**
 * Runs a command without blocking this process: the harness's proxy may be serving the
 * emulator from this very event loop (the demo, a bench), and the command talks to it.
 */
function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; verbose?: boolean }) {
  return new Promise<{ status: number | null; out: string }>((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: options.verbose ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const keep = (chunk: Buffer) => {
      out = (out + chunk.toString('utf8')).slice(-64 * 1024);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, out }));
  });
}

async function cdk(args: string[], opts: LocalDeployOptions): Promise<string> {
  const region = opts.env.AWS_REGION ?? 'us-east-1';
  const context = Object.entries(opts.context ?? {}).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  const app = ['--app', opts.app ?? 'node infra/app.ts', '--output', assemblyDir(opts)];
  const res = await run(process.execPath, [cdkCli, ...args, ...context, '--no-notices', ...app], {
    cwd: opts.cwd,
    env: {
      ...opts.env,
      CDK_DEFAULT_ACCOUNT: LOCAL_ACCOUNT,
      CDK_DEFAULT_REGION: region,
      CDK_DISABLE_CLI_TELEMETRY: 'true',
      REMOVAL_POLICY: 'destroy',
      ...(opts.stackName ? { STACK_NAME: opts.stackName } : {}),
    },
    verbose: opts.verbose,
  });
  if (res.status !== 0) throw new Error(`cdk ${args[0]} failed (exit ${res.status}):\n${res.out.slice(-4000)}`);
  return res.out;
}

/** Bootstraps the emulator's account/region and deploys; returns the stack outputs. */
export async function deployLocal(opts: LocalDeployOptions): Promise<Record<string, string>> {
  if (!opts.env.AWS_ENDPOINT_URL) {
    throw new Error('AWS_ENDPOINT_URL is not set: start the emulator (pnpm emulator start) and export what it prints');
  }
  const region = opts.env.AWS_REGION ?? 'us-east-1';
  await cdk(['bootstrap', `aws://${LOCAL_ACCOUNT}/${region}`], opts);
  const outputs = join(assemblyDir(opts), 'outputs.json');
  await cdk(['deploy', '--all', '--require-approval', 'never', '--outputs-file', outputs], opts);
  const all = JSON.parse(readFileSync(outputs, 'utf8')) as Record<string, Record<string, string>>;
  await tagImageAssetsLocally(assemblyDir(opts), Object.keys(all), region, opts.verbose);
  return Object.assign({}, ...Object.values(all));
}

interface DockerImageAsset {
  source: { directory?: string; dockerFile?: string; dockerBuildArgs?: Record<string, string> };
  destinations: Record<string, { repositoryName: string; imageTag: string }>;
}

/**
 * The emulator's ECR has no registry the Docker CLI can push to (its repository URIs name
 * `*.dkr.ecr.<region>.amazonaws.com`), and ministack 1.5.33 answers DescribeImages of a missing
 * tag with an empty list where AWS raises ImageNotFoundException, so `cdk deploy` believes each
 * image published and skips it. ministack runs a task's image from the local Docker cache when it
 * cannot pull it, so each image asset is built from cdk.out and tagged with the URI the task
 * definition names. Returns the URIs tagged.
 */
export async function tagImageAssetsLocally(
  cdkOut: string,
  stacks: string[],
  region: string,
  verbose = false,
): Promise<string[]> {
  const tagged: string[] = [];
  for (const manifest of stacks.map((stack) => `${stack}.assets.json`).filter((f) => readdirSync(cdkOut).includes(f))) {
    const { dockerImages = {} } = JSON.parse(readFileSync(join(cdkOut, manifest), 'utf8')) as {
      dockerImages?: Record<string, DockerImageAsset>;
    };
    for (const asset of Object.values(dockerImages)) {
      const dir = join(cdkOut, asset.source.directory ?? '.');
      const uris = Object.values(asset.destinations).map(
        (d) => `${LOCAL_ACCOUNT}.dkr.ecr.${region}.amazonaws.com/${d.repositoryName}:${d.imageTag}`,
      );
      const args = ['build', '-q', '-f', join(dir, asset.source.dockerFile ?? 'Dockerfile')];
      for (const [k, v] of Object.entries(asset.source.dockerBuildArgs ?? {})) args.push('--build-arg', `${k}=${v}`);
      for (const uri of uris) args.push('-t', uri);
      const res = await run('docker', [...args, dir], {});
      if (res.status !== 0) throw new Error(`docker build of ${dir} failed (${res.status}): ${res.out.slice(-4000)}`);
      tagged.push(...uris);
    }
  }
  if (tagged.length > 0) {
    const say = `[deploy:local] the emulator's ECR cannot receive a docker push: image assets built and tagged locally as ${tagged.join(', ')}`;
    if (verbose) console.error(say);
    else console.info(say);
  }
  return tagged;
}

export async function destroyLocal(opts: LocalDeployOptions): Promise<void> {
  await cdk(['destroy', '--all', '--force'], opts);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [command = 'deploy', ...rest] = process.argv.slice(2);
  // `-c name=value`, as the CDK CLI takes context.
  const context = Object.fromEntries(
    rest.flatMap((arg, i) => (rest[i - 1] === '-c' ? [arg.split(/=(.*)/s).slice(0, 2)] : [])),
  ) as Record<string, string>;
  const opts = { cwd: process.cwd(), env: process.env, context, verbose: true };
  if (command === 'destroy') await destroyLocal(opts);
  else console.log(JSON.stringify(await deployLocal(opts), null, 2));
}
