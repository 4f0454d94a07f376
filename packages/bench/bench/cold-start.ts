/**
 * Bundle size and cold start of every Lambda function the stacks deploy.
 *
 * Each Lambda app is synthesized (`pnpm synth`, the zips CDK deploys), each Node.js function's
 * zip is unpacked, and a fresh `node` loads its `index.mjs` with the environment the template
 * gives it (references replaced by placeholders): the module-scope work a cold start pays for
 * (parsing the bundle, configuration, clients, Powertools). Lambda's own runtime start comes on
 * top and is not ours to cut. Rounds interleave three variants: a bare `node` (the baseline), the
 * bundle as deployed (NODE_OPTIONS=--enable-source-maps) and the bundle without source maps.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { unzipSync } from 'fflate';
import { type Figure, machineFacts, paired, recordResults, spread } from '../src/index.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const APPS = ['image-resize', 'inference-proxy', 'ecs-task-launcher', 'order-processor', 'video-pipeline'];
/** The target for every bundle except sharp's (its native library dominates). */
const TARGET_MS = 300;

interface Fn {
  app: string;
  id: string;
  zip: Uint8Array;
  env: Record<string, string>;
}

type Template = {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, string> }>;
};

/** A placeholder for a value CloudFormation fills in at deploy time, in the shape the config expects. */
function placeholder(name: string): string {
  if (/ARN$/.test(name)) return 'arn:aws:sns:us-east-1:123456789012:bench';
  if (/URL$/.test(name)) return 'https://sqs.us-east-1.amazonaws.com/123456789012/bench';
  if (/SUBNETS|SECURITY_GROUPS/.test(name)) return 'subnet-0123456789abcdef0';
  return 'bench-placeholder';
}

function functionsOf(app: string): Fn[] {
  const dir = join(ROOT, 'apps', app);
  const res = spawnSync('pnpm', ['-s', 'synth'], { cwd: dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (res.status !== 0) throw new Error(`synth of ${app} failed: ${res.stderr}`);
  const out = join(dir, 'cdk.out');
  const fns: Fn[] = [];
  for (const file of readdirSync(out).filter((f) => f.endsWith('.template.json'))) {
    const template = JSON.parse(readFileSync(join(out, file), 'utf8')) as Template;
    for (const [id, r] of Object.entries(template.Resources)) {
      const asset = r.Metadata?.['aws:asset:path'];
      if (r.Type !== 'AWS::Lambda::Function' || !asset?.endsWith('.zip')) continue;
      const zip = readFileSync(join(out, asset));
      // Only this project's bundles (index.mjs with its map), not CDK's own provider functions.
      if (!Object.keys(unzipSync(zip, { filter: (f) => f.name === 'index.mjs.map' })).length) continue;
      const vars = (r.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
      const env = Object.fromEntries(
        Object.entries(vars).map(([k, v]) => [k, typeof v === 'string' ? v : placeholder(k)]),
      );
      fns.push({ app, id: id.replace(/[0-9A-F]{8}$/, ''), zip, env });
    }
  }
  return fns;
}

function unpack(zip: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'cold-start-'));
  for (const [name, data] of Object.entries(unzipSync(zip))) {
    if (name.endsWith('/')) continue;
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), data);
  }
  return join(dir, 'index.mjs');
}

/** Loads the module in a fresh node and returns the milliseconds its import took. */
function load(file: string | undefined, env: Record<string, string>, sourceMaps: boolean): number {
  const script = file
    ? `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(performance.now() - t);`
    : 'console.log(0);';
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_LAMBDA_FUNCTION_NAME: 'bench',
      ...env,
      NODE_OPTIONS: sourceMaps ? '--enable-source-maps' : '',
    },
  });
  if (res.status !== 0) throw new Error(`loading ${file} failed: ${res.stderr.split('\n').slice(0, 5).join(' ')}`);
  return Number(res.stdout.trim().split('\n').pop());
}

const figures: Figure[] = [];
const rows: string[] = [];
for (const app of APPS) {
  for (const fn of functionsOf(app)) {
    const file = unpack(fn.zip);
    const importMs = { deployed: [] as number[], noMaps: [] as number[] };
    await paired(
      {
        bare: () => load(undefined, fn.env, false),
        deployed: () => importMs.deployed.push(load(file, fn.env, true)),
        noMaps: () => importMs.noMaps.push(load(file, fn.env, false)),
      },
      { baseline: 'bare', pairs: 16 },
    );
    // The warm-up round's import is not a sample.
    const init = spread(importMs.deployed.slice(1));
    const noMaps = spread(importMs.noMaps.slice(1));
    // The import with source maps over without, round by round: the import alone, not the
    // process, whose start (the same for both) only adds noise to the ratio.
    const deployedMs = importMs.deployed.slice(1);
    const noMapsMs = importMs.noMaps.slice(1);
    const mapsRatio = spread(deployedMs.map((ms, i) => ms / (noMapsMs[i] as number)));
    const name = `${fn.app} ${fn.id}`;
    const sharp = fn.app === 'image-resize';
    const kb = (fn.zip.byteLength / 1024).toFixed(0);
    rows.push(
      `${name.padEnd(48)} zip ${kb.padStart(6)} KiB  init ${init.median.toFixed(0).padStart(4)} ms (${init.min.toFixed(0)}-${init.max.toFixed(0)})  without maps ${noMaps.median.toFixed(0)} ms`,
    );
    figures.push({ figure: `${name}: zip size`, value: `${kb} KiB` });
    figures.push({
      figure: `${name}: init (module load, as deployed)`,
      value: `${init.median.toFixed(0)} ms (${init.min.toFixed(0)}-${init.max.toFixed(0)})`,
      baseline: 'bundle without source maps',
      ratio: mapsRatio,
      ...(sharp ? { target: 'sharp: none' } : { target: `< ${TARGET_MS} ms`, met: init.median < TARGET_MS }),
    });
  }
}
console.log('Lambda bundles: zip size and module-load time in a fresh node (16 interleaved rounds)');
for (const row of rows) console.log(`  ${row}`);
recordResults('lambda-cold-start', figures, machineFacts());
