/**
 * pnpm dev <workload> [--app-dir DIR] [--stack NAME]
 *
 * Deploys one Lambda workload's CDK stack into the emulator (the one AWS_ENDPOINT_URL names, or
 * one started here as `pnpm demo` does), then watches the app's src/: each save is bundled by the
 * app's own bundling (infra/app.ts `stackProps()`, the esbuild settings the stack deploys) and
 * pushed with UpdateFunctionCode to every function whose code changed. Prints the time from the
 * save to the function being live. `i` (or a line "i" on stdin) sends the workload's sample
 * event. Ctrl-C / SIGTERM stops the watcher and the emulator it started, and exits 0.
 */
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { assemblyDir, deployLocal } from '@samples/cdk';
import { EmulatorUnavailableError, REPO_ROOT, startEmulator } from '@samples/emulator';
import { type DeployedFunction, deployedFunctions, pushCode, zipPaths } from './functions.ts';
import { NOT_SUPPORTED, WORKLOADS } from './workloads.ts';

const say = (m: string) => console.log(`[dev] ${m}`);

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'app-dir': { type: 'string' }, stack: { type: 'string' } },
});
const name = positionals[0];

async function main(): Promise<number> {
  const workload = name ? WORKLOADS[name] : undefined;
  if (!name || !workload) {
    if (name && name in NOT_SUPPORTED) {
      console.error(`[dev] ${name}: not supported yet: ${NOT_SUPPORTED[name]}`);
    } else {
      console.error(`usage: pnpm dev <workload>, one of ${Object.keys(WORKLOADS).join(', ')}`);
    }
    return 2;
  }
  const appDir = resolve(values['app-dir'] ?? join(REPO_ROOT, 'apps', workload.app));
  const stackName = values.stack ?? `Dev-${name.replaceAll(/(^|-)(\w)/g, (_, _d, c: string) => c.toUpperCase())}`;

  let stopEmulator: (() => Promise<void>) | undefined;
  if (process.env.AWS_ENDPOINT_URL) {
    say(`using the emulator at ${process.env.AWS_ENDPOINT_URL}`);
  } else {
    say('starting the emulator ...');
    try {
      const emulator = await startEmulator();
      Object.assign(process.env, emulator.env);
      stopEmulator = () => emulator.stop();
      say(`backend ${emulator.backend} at ${emulator.endpoint} (${emulator.startedInMs} ms)`);
    } catch (error) {
      console.error(error instanceof EmulatorUnavailableError ? error.message : error);
      return 1;
    }
  }

  const stopped = new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  let watcher: FSWatcher | undefined;
  try {
    const t0 = performance.now();
    say(`deploying ${stackName} from ${appDir} (cdk deploy) ...`);
    const outputs = await deployLocal({ cwd: appDir, env: process.env, stackName });
    // esbuild names sources relative to the working folder, in comments of the bundle: bundling
    // from the app's folder, as `cdk deploy` did, gives the deployed bytes for unchanged code.
    process.chdir(appDir);
    const app = (await import(pathToFileURL(join(appDir, 'infra', 'app.ts')).href)) as {
      stackProps(): Promise<unknown>;
    };
    const bundle = async () => zipPaths(await app.stackProps());
    const functions = deployedFunctions(assemblyDir({ cwd: appDir, stackName }), stackName, outputs, await bundle());
    if (functions.length === 0) throw new Error(`no function of ${stackName} matches a bundle of ${appDir}`);
    say(`deployed in ${Math.round(performance.now() - t0)} ms: ${functions.map((f) => f.name).join(', ')}`);
    for (const [k, v] of Object.entries(outputs)) console.log(`  ${k} = ${v}`);

    // The deployed zips are matched above; the ones pushed on a save need not be compressed.
    process.env.LAMBDA_ZIP_LEVEL = '0';
    const lambda = new LambdaClient({});
    // A function changed when its bundle did (index.mjs beside its zip): the zips pushed are stored,
    // not compressed, so they differ from the deployed ones even for the same code.
    const code = (f: DeployedFunction) => readFileSync(join(dirname(f.zipFile), 'index.mjs'));
    const live = new Map(functions.map((f) => [f.name, code(f)]));
    let n = 0;
    const send = async () => {
      if (!workload.sample) {
        say(`no sample event for ${name} yet: invoke ${functions.map((f) => f.name).join(' or ')} yourself`);
        return;
      }
      n += 1;
      say(`sending the sample event #${n} ...`);
      try {
        say(await workload.sample.send(outputs, n));
      } catch (error) {
        say(`sample event failed: ${(error as Error).message}`);
      }
    };
    if (workload.sample) {
      say(
        `sample event: press i, or from another shell:\n  ${workload.sample.command(outputs, process.env.AWS_ENDPOINT_URL!)}`,
      );
    }

    // One reload at a time; saves during one are folded into the next.
    let changedAt: number | undefined;
    let running = false;
    const reload = async () => {
      if (running || changedAt === undefined) return;
      running = true;
      const since = changedAt;
      changedAt = undefined;
      try {
        await bundle();
        const bundled = performance.now();
        const changed = functions.filter((f) => !live.get(f.name)?.equals(code(f)));
        await Promise.all(
          changed.map(async (f) => {
            const next = code(f);
            await pushCode(lambda, f.name, readFileSync(f.zipFile));
            live.set(f.name, next);
          }),
        );
        const ms = Math.round(performance.now() - since);
        const phases = `bundle ${Math.round(bundled - since)} ms, update and ready ${Math.round(performance.now() - bundled)} ms`;
        if (changed.length === 0) say(`no function changed (${ms} ms: ${phases})`);
        else say(`live in ${ms} ms (${phases}): ${changed.map((f) => f.output).join(', ')}`);
      } catch (error) {
        say(`reload failed: ${(error as Error).message}`);
      } finally {
        running = false;
        if (changedAt !== undefined) void reload();
      }
    };
    let timer: NodeJS.Timeout | undefined;
    watcher = watch(join(appDir, 'src'), { recursive: true }, (_event, file) => {
      if (file && /\.test\.ts$/.test(file)) return;
      changedAt ??= performance.now();
      // An editor's save is often a few events (write, rename): one bundle for them all.
      clearTimeout(timer);
      timer = setTimeout(() => void reload(), 25);
    });
    say(`watching ${join(appDir, 'src')}; Ctrl-C stops`);

    const input = createInterface({ input: process.stdin });
    input.on('line', (line) => {
      if (line.trim() === 'i') void send();
    });
    if (process.stdin.isTTY) {
      process.stdin.setRawMode(true);
      process.stdin.on('data', (key) => {
        const k = key.toString();
        if (k === 'i') void send();
        if (k === '\u0003') process.emit('SIGINT');
      });
    }
    await stopped;
    clearTimeout(timer);
    input.close();
    process.stdin.pause();
    say(`stopping; ${stackName} stays deployed${stopEmulator ? ' until the emulator stops' : ''}`);
    return 0;
  } catch (error) {
    console.error(`[dev] ${(error as Error).message}`);
    return 1;
  } finally {
    watcher?.close();
    if (stopEmulator) await stopEmulator();
  }
}

process.exitCode = await main();
// Open SDK sockets would otherwise keep the process up after a stop.
process.exit();
