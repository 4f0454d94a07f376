/**
 * `pnpm deploy:local` in a workload: its CDK app deployed into the local emulator with the
 * real CDK CLI: `cdk bootstrap` (idempotent), then `cdk deploy`, outputs written to
 * `cdk.out/outputs.json`. The emulator is the one `AWS_ENDPOINT_URL` points at (start one
 * with `pnpm emulator start` and export what it prints). Tables and buckets are deleted with
 * the stack (`REMOVAL_POLICY=destroy`), as befits a throw-away emulator.
 *
 *   node ../../packages/cdk/src/deploy-local.ts [deploy|destroy] [--app "node infra/app.ts"]
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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

function cdk(args: string[], opts: LocalDeployOptions): string {
  const region = opts.env.AWS_REGION ?? 'us-east-1';
  const context = Object.entries(opts.context ?? {}).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  const app = ['--app', opts.app ?? 'node infra/app.ts'];
  const res = spawnSync(process.execPath, [cdkCli, ...args, ...context, '--no-notices', ...app], {
    cwd: opts.cwd,
    env: {
      ...opts.env,
      CDK_DEFAULT_ACCOUNT: LOCAL_ACCOUNT,
      CDK_DEFAULT_REGION: region,
      CDK_DISABLE_CLI_TELEMETRY: 'true',
      REMOVAL_POLICY: 'destroy',
      ...(opts.stackName ? { STACK_NAME: opts.stackName } : {}),
    },
    encoding: 'utf8',
    stdio: opts.verbose ? ['ignore', 'inherit', 'inherit'] : 'pipe',
    maxBuffer: 64 * 1024 * 1024,
  });
  const out = `${res.stdout ?? ''}${res.stderr ?? ''}`;
  if (res.status !== 0) throw new Error(`cdk ${args[0]} failed (exit ${res.status}):\n${out.slice(-4000)}`);
  return out;
}

/** Bootstraps the emulator's account/region and deploys; returns the stack outputs. */
export function deployLocal(opts: LocalDeployOptions): Record<string, string> {
  if (!opts.env.AWS_ENDPOINT_URL) {
    throw new Error('AWS_ENDPOINT_URL is not set: start the emulator (pnpm emulator start) and export what it prints');
  }
  const region = opts.env.AWS_REGION ?? 'us-east-1';
  cdk(['bootstrap', `aws://${LOCAL_ACCOUNT}/${region}`], opts);
  const outputs = join(opts.cwd, 'cdk.out', 'outputs.json');
  cdk(['deploy', '--all', '--require-approval', 'never', '--outputs-file', outputs], opts);
  const all = JSON.parse(readFileSync(outputs, 'utf8')) as Record<string, Record<string, string>>;
  return Object.assign({}, ...Object.values(all));
}

export function destroyLocal(opts: LocalDeployOptions): void {
  cdk(['destroy', '--all', '--force'], opts);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [command = 'deploy'] = process.argv.slice(2);
  const opts = { cwd: process.cwd(), env: process.env, verbose: true };
  if (command === 'destroy') destroyLocal(opts);
  else console.log(JSON.stringify(deployLocal(opts), null, 2));
}
