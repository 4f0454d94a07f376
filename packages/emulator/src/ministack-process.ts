import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { MINISTACK_VERSION } from './config.ts';
import { waitForHealth } from './health.ts';
import { applyMinistackPatches, MINISTACK_PATCHES, patchesFingerprint } from './ministack-patches.ts';

export interface ProcessEmulator {
  endpoint: string;
  port: number;
  logFile: string;
  stop(): Promise<void>;
  /**
   * Stops ministack as a host's shutdown would (SIGTERM: it saves its state) and starts it again
   * on the same port, loading that state; resolves once it answers, with the time it took.
   * Only with `persistDir`.
   */
  restart?(): Promise<number>;
}

/**
 * What the virtualenv holds besides ministack: `docker` lets it run ECS tasks as real
 * containers when an engine is there; `boto3` (the version matching ministack's botocore) is
 * what Lambda's Python runtime provides, and Python functions such as CDK's custom resource
 * handlers (bucket notifications) import it.
 */
export const MINISTACK_PACKAGES = [`ministack==${MINISTACK_VERSION}`, 'docker==7.1.0', 'boto3==1.43.106'];

/**
 * Creates (once per package set and patch set) a virtualenv holding the pinned ministack release,
 * with the harness's corrections applied (ministack-patches.ts), and returns its launcher.
 */
export function installMinistack(python: string, cacheDir: string): string {
  // One folder per patch set: runs of other checkouts never reinstall the one this run uses.
  const venv = join(cacheDir, `ministack-${MINISTACK_VERSION}-${patchesFingerprint()}`);
  const bin = join(venv, 'bin', 'ministack');
  const marker = join(venv, '.installed');
  const wanted = `${MINISTACK_PACKAGES.join(' ')} patches:${patchesFingerprint()}`;
  if (existsSync(marker) && existsSync(bin) && readFileSync(marker, 'utf8') === wanted) return bin;
  mkdirSync(cacheDir, { recursive: true });
  const run = (cmd: string, args: string[], timeout: number) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout });
    if (r.error || r.status !== 0) {
      const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-5).join('\n');
      throw new Error(`\`${cmd} ${args.join(' ')}\` failed: ${r.error?.message ?? out}`);
    }
  };
  run(python, ['-m', 'venv', '--clear', venv], 60_000);
  run(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', ...MINISTACK_PACKAGES], 300_000);
  const where = spawnSync(
    join(venv, 'bin', 'python'),
    ['-c', 'import os, ministack; print(os.path.dirname(ministack.__file__))'],
    { encoding: 'utf8', timeout: 30_000 },
  );
  const installed = where.stdout.trim();
  applyMinistackPatches(installed);
  // A patch that breaks the Python fails the install here, naming the file, not at start-up.
  const patched = [...new Set(MINISTACK_PATCHES.map((p) => join(installed, p.file)))];
  run(join(venv, 'bin', 'python'), ['-m', 'py_compile', ...patched], 60_000);
  run(
    join(venv, 'bin', 'python'),
    ['-c', `open(${JSON.stringify(marker)}, "w").write(${JSON.stringify(wanted)})`],
    10_000,
  );
  return bin;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts the pinned ministack release as a child process on a free port. */
export async function startMinistackProcess(opts: {
  python: string;
  cacheDir: string;
  region: string;
  /** Evaluate IAM policies for every call (`AUTH=true`); see HarnessConfig.enforceIam. */
  enforceIam: boolean;
  port?: number;
  /**
   * The AWS_ENDPOINT_URL ministack hands to the Lambda functions it runs as local processes
   * (the harness's proxy, so their calls meet the same limits); ministack's own address by default.
   */
  functionEndpoint?: string;
  /** The AWS_ENDPOINT_URL handed to ECS tasks (a container's view of the harness's proxy). */
  taskEndpoint?: string;
  /** More environment for ministack itself. */
  env?: Record<string, string>;
  /** Where ministack keeps its state across restarts (PERSIST_STATE, S3_PERSIST); none by default. */
  persistDir?: string;
}): Promise<ProcessEmulator> {
  const bin = installMinistack(opts.python, opts.cacheDir);
  const port = opts.port ?? (await freePort());
  const logDir = join(opts.cacheDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `ministack-${port}.log`);
  const log = createWriteStream(logFile);
  const env = {
    ...process.env,
    ...opts.env,
    GATEWAY_PORT: String(port),
    MINISTACK_HOST: '127.0.0.1',
    MINISTACK_REGION: opts.region,
    AUTH: String(opts.enforceIam),
    // Handed to the Lambda functions it runs as local processes. An IP, so their S3
    // clients address buckets by path (no DNS for bucket.localhost here).
    AWS_ENDPOINT_URL: opts.functionEndpoint ?? `http://127.0.0.1:${port}`,
    ...(opts.taskEndpoint ? { MINISTACK_ECS_TASK_ENDPOINT_URL: opts.taskEndpoint } : {}),
    // Lambda defines these in every function (developer guide, "Defined runtime environment
    // variables"); ministack 1.5.33 does not, and its function processes inherit its own
    // environment. Without them Powertools sees no Lambda: Tracer switches itself off and no
    // ColdStart metric is written. Every function of these samples is nodejs24.x.
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    // Measured (1.5.33): state is written at a graceful shutdown only, so a SIGTERM restart keeps
    // queues with their messages (in flight too), tables, functions and their event source
    // mappings, topics and subscriptions; a SIGKILL loses all but S3 (written as it goes).
    ...(opts.persistDir
      ? {
          PERSIST_STATE: '1',
          STATE_DIR: join(opts.persistDir, 'state'),
          S3_PERSIST: '1',
          S3_DATA_DIR: join(opts.persistDir, 's3'),
        }
      : {}),
  };
  const endpoint = `http://127.0.0.1:${port}`;
  let child: ChildProcess;
  let exited: string | undefined;
  const kill = () => child.kill('SIGKILL');
  const launch = async () => {
    exited = undefined;
    child = spawn(bin, [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.on('exit', (code, signal) => {
      exited = `exited with ${signal ?? code}`;
    });
    try {
      await waitForHealth(endpoint, 30_000, () => exited);
    } catch (error) {
      kill();
      const tail = safeTail(logFile);
      throw new Error(`${(error as Error).message}${tail ? `\nlast lines of ${logFile}:\n${tail}` : ''}`);
    }
  };
  /** SIGTERM, then SIGKILL after `graceMs`. */
  const halt = async (graceMs: number) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(kill, graceMs);
    await done;
    clearTimeout(timer);
  };
  const onExit = () => kill();
  process.once('exit', onExit);
  await launch();
  return {
    endpoint,
    port,
    logFile,
    async stop() {
      process.off('exit', onExit);
      await halt(5_000);
    },
    ...(opts.persistDir
      ? {
          async restart() {
            const t0 = performance.now();
            // Saving the state takes a moment; a SIGKILL before it is done would lose it.
            await halt(60_000);
            await launch();
            return Math.round(performance.now() - t0);
          },
        }
      : {}),
  };
}

function safeTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-8).join('\n');
  } catch {
    return '';
  }
}
