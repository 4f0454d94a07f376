import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfig } from './config.ts';
import { initHooksDir, startLocalstack, startMinistackContainer } from './containers.ts';
import { waitForHealth } from './health.ts';
import { freePort, startMinistackProcess } from './ministack-process.ts';
import { REPO_ROOT } from './paths.ts';
import { firstLine, probe } from './probes.ts';
import { type LimitingProxy, startProxy } from './proxy.ts';
import { type Attempt, describeAttempt, plan, unavailableMessage } from './select.ts';
import { type BackendName, type Service, servicesOf } from './services.ts';

export {
  DEFAULT_REGION,
  LOCALSTACK_IMAGE,
  LOCALSTACK_LOCAL_IMAGE,
  MINISTACK_IMAGE,
  MINISTACK_VERSION,
  readConfig,
} from './config.ts';
export { LIMITS } from './limits.ts';
export { REPO_ROOT } from './paths.ts';
export { startProxy } from './proxy.ts';
export { describeAttempt, needsToken, plan, unavailableMessage } from './select.ts';
export { type BackendName, SERVICES, type Service, servicesOf } from './services.ts';

/** What a test, the demo or a script needs to talk to the running emulator. */
export interface EmulatorInfo {
  backend: BackendName;
  /** How it was started, for the logs: "ministack process (...)" and so on. */
  description: string;
  /**
   * Reachable from this machine: the harness's proxy (proxy.ts) in front of the emulator,
   * which applies AWS's payload limits, S3's 403 for unlistable missing keys and TLS.
   */
  endpoint: string;
  /** The emulator itself, without the proxy. */
  emulatorEndpoint: string;
  /**
   * Whether the Lambda functions the emulator runs reach it through the proxy too: only in
   * ministack's process mode, where the harness sets the AWS_ENDPOINT_URL ministack hands them.
   * Elsewhere (containers) they get the emulator's own address and meet no proxy limit.
   */
  functionsThroughProxy: boolean;
  /**
   * Whether `restartEmulator(endpoint)` restarts the emulator with its state kept: ministack's
   * process mode started with MINISTACK_PERSIST_STATE=1 (the reliability project sets it).
   */
  restartable: boolean;
  /**
   * Reachable from a container on the local Docker engine's default bridge: the emulator
   * itself, not the proxy. ECS tasks the emulator starts get its own address injected, so
   * their calls are not limited.
   */
  containerEndpoint: string;
  region: string;
  services: Service[];
  /** The environment an AWS SDK v3 client reads. */
  env: Record<string, string>;
  /** What the backend says of itself (version, what a local build replaces), for the logs. */
  notes: string[];
  /** Where the emulator writes its own log, when the harness knows. */
  logFile?: string;
  startedInMs: number;
}

export interface Emulator extends EmulatorInfo {
  stop(): Promise<void>;
}

export class EmulatorUnavailableError extends Error {
  override name = 'EmulatorUnavailableError';
}

export const TEST_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };

export function sdkEnv(endpoint: string, region: string): Record<string, string> {
  return { AWS_ENDPOINT_URL: endpoint, AWS_REGION: region, AWS_DEFAULT_REGION: region, ...TEST_CREDENTIALS };
}

/**
 * Starts one emulator, chosen by AWS_EMULATOR (auto | ministack | localstack | external),
 * and returns its endpoint and the SDK environment. Fails fast, with what was tried and
 * how to fix it, when no backend can start.
 */
export async function startEmulator(env: NodeJS.ProcessEnv = process.env): Promise<Emulator> {
  const config = readConfig(env, homedir());
  const t0 = performance.now();
  const p = await probe([config.ministackImage, config.localstackImage], config.python, env);
  const { attempts, ruledOut } = plan(config, p);
  const failed: { label: string; error: string }[] = [];
  for (const attempt of attempts) {
    try {
      const started = await startAttempt(
        attempt,
        config.region,
        config.cacheDir,
        p.dockerGateway ?? 'host.docker.internal',
        config.enforceIam,
        config.persistState,
      );
      const services = servicesOf(attempt.backend, {
        docker: p.docker.ok,
        declared: config.declaredServices,
        enforceIam: config.enforceIam,
      });
      const { proxy: early, ...rest } = started;
      const proxy = early ?? (await startProxy({ target: started.endpoint }));
      return {
        notes: [],
        ...rest,
        endpoint: proxy.endpoint,
        emulatorEndpoint: started.endpoint,
        functionsThroughProxy: early !== undefined,
        restartable: proxy.onRestart !== undefined,
        stop: async () => {
          await proxy.stop();
          await started.stop();
        },
        backend: attempt.backend,
        description: describeAttempt(attempt),
        region: config.region,
        services,
        env: sdkEnv(proxy.endpoint, config.region),
        startedInMs: Math.round(performance.now() - t0),
      };
    } catch (error) {
      failed.push({ label: describeAttempt(attempt), error: hint(attempt, firstLine(error)) });
    }
  }
  throw new EmulatorUnavailableError(unavailableMessage(config, ruledOut, failed));
}

function hint(attempt: Attempt, error: string): string {
  if (attempt.backend === 'localstack' && /exit|55/i.test(error)) {
    return `${error} (LocalStack images newer than 4.14.0 exit with code 55 without LOCALSTACK_AUTH_TOKEN)`;
  }
  if ('pull' in attempt && attempt.pull && /pull|manifest|registry|dial|timeout/i.test(error)) {
    return `${error} (the image is not on this Docker host and could not be pulled)`;
  }
  return error;
}

async function startAttempt(
  attempt: Attempt,
  region: string,
  cacheDir: string,
  gateway: string,
  enforceIam: boolean,
  persistState: boolean,
): Promise<{
  endpoint: string;
  containerEndpoint: string;
  logFile?: string;
  notes?: string[];
  /** Started before the emulator when the emulator must know its address. */
  proxy?: LimitingProxy;
  stop(): Promise<void>;
}> {
  const hooks = initHooksDir(REPO_ROOT);
  switch (attempt.backend) {
    case 'external': {
      await waitForHealth(attempt.endpoint, 5_000);
      return {
        endpoint: attempt.endpoint,
        containerEndpoint: toContainerEndpoint(attempt.endpoint, gateway),
        stop: async () => {},
      };
    }
    case 'localstack': {
      const c = await startLocalstack({ image: attempt.image, token: attempt.token, region });
      return {
        endpoint: c.endpoint,
        containerEndpoint: `http://${gateway}:${c.port}`,
        notes: c.notes ?? [],
        stop: c.stop,
      };
    }
    case 'ministack': {
      if (attempt.mode === 'container') {
        const c = await startMinistackContainer({ image: attempt.image, region, enforceIam });
        return { endpoint: c.endpoint, containerEndpoint: `http://${gateway}:${c.port}`, stop: c.stop };
      }
      // The proxy first, so that the Lambda functions ministack runs as local processes are
      // handed its address (ministack passes its AWS_ENDPOINT_URL on to them) and go through it.
      const port = await freePort();
      const proxy = await startProxy({ target: `http://127.0.0.1:${port}` });
      let proc: Awaited<ReturnType<typeof startMinistackProcess>>;
      try {
        proc = await startMinistackProcess({
          python: attempt.python,
          cacheDir,
          region,
          port,
          functionEndpoint: proxy.endpoint,
          taskEndpoint: toContainerEndpoint(proxy.endpoint, gateway),
          enforceIam,
          persistDir: persistState ? mkdtempSync(join(tmpdir(), 'ministack-state-')) : undefined,
        });
      } catch (error) {
        await proxy.stop();
        throw error;
      }
      proxy.onRestart = proc.restart;
      // A process has no /etc/localstack/init: run the repository's hooks as the containers would.
      if (hooks) runHooks(hooks, sdkEnv(proxy.endpoint, region));
      return {
        endpoint: proc.endpoint,
        containerEndpoint: `http://${gateway}:${proc.port}`,
        logFile: proc.logFile,
        proxy,
        stop: proc.stop,
      };
    }
  }
}

/** Runs the `*.sh` init hooks of a folder, in name order, with the SDK environment. */
export function runHooks(dir: string, env: Record<string, string>): void {
  for (const hook of readdirSync(dir)
    .filter((f) => f.endsWith('.sh'))
    .sort()) {
    const r = spawnSync('sh', [join(dir, hook)], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (r.status !== 0)
      throw new Error(`init hook ${hook} failed: ${(r.stderr || r.stdout || String(r.error)).trim()}`);
  }
}

/** Loopback in an endpoint means the host; a container reaches the host at the bridge gateway. */
export function toContainerEndpoint(endpoint: string, gateway: string): string {
  const url = new URL(endpoint);
  if (['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)) url.hostname = gateway;
  return url.toString().replace(/\/$/, '');
}

/** Prints how to reach a running emulator from another shell, then waits for Ctrl-C or SIGTERM. */
export async function holdUntilStopped(emulator: EmulatorInfo): Promise<void> {
  console.log('\nthe emulator keeps running; from another shell:');
  for (const [k, v] of Object.entries(emulator.env)) console.log(`  export ${k}=${v}`);
  console.log('  aws s3 ls   # or any AWS SDK / CLI call\nCtrl-C stops it.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}
