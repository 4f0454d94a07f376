/**
 * pnpm demo [--keep] [--out DIR]
 *
 * Starts the emulator (AWS_EMULATOR picks the backend, as for the tests), runs every
 * workload's flow on generated input, prints a table and writes a page of what each flow
 * produced (`index.html` in the output folder, with the data behind it in `demo.json`).
 * --keep leaves the emulator running and prints how to call it.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { EmulatorUnavailableError, holdUntilStopped, REPO_ROOT, startEmulator } from '@samples/emulator';
import type { Flow } from './flow.ts';
import { type Block, type FlowReport, renderReport } from './report.ts';

/** Every module in flows/ exports one `flow`; they run in file-name order. */
async function loadFlows(): Promise<Flow[]> {
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'flows');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .sort();
  const flows: Flow[] = [];
  for (const f of files) flows.push(((await import(pathToFileURL(join(dir, f)).href)) as { flow: Flow }).flow);
  return flows;
}

const { values } = parseArgs({
  options: { keep: { type: 'boolean', default: false }, out: { type: 'string' } },
});
const outRoot = resolve(values.out ?? join(REPO_ROOT, '.demo-output'));

interface Row {
  workload: string;
  input: string;
  result: string;
  seconds: string;
  ok: boolean;
  skipped: boolean;
  blocks: Block[];
}

async function main(): Promise<number> {
  console.log('starting the emulator ...');
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  try {
    emulator = await startEmulator();
  } catch (error) {
    console.error(error instanceof EmulatorUnavailableError ? error.message : error);
    return 1;
  }
  Object.assign(process.env, emulator.env);
  console.log(
    `backend ${emulator.backend}: ${emulator.description} at ${emulator.endpoint} (${emulator.startedInMs} ms)`,
  );

  const rows: Row[] = [];
  for (const flow of await loadFlows()) {
    const outDir = join(outRoot, flow.workload);
    mkdirSync(outDir, { recursive: true });
    const progress = (m: string) => console.log(`  [${flow.workload}] ${m}`);
    const missing = (flow.needs ?? []).filter((s) => !emulator.services.includes(s));
    if (missing.length > 0) {
      const result = `skipped: backend ${emulator.backend} lacks ${missing.join(', ')}`;
      progress(result);
      rows.push({
        workload: flow.workload,
        input: flow.input,
        result,
        seconds: '-',
        ok: true,
        skipped: true,
        blocks: [],
      });
      continue;
    }
    const t0 = performance.now();
    progress(`running on ${flow.input}`);
    let result: string;
    let blocks: Block[] = [];
    let ok = true;
    try {
      ({ summary: result, blocks } = await flow.run({ emulator, outDir, progress }));
    } catch (error) {
      ok = false;
      result = `FAILED: ${(error as Error).message}`;
    }
    const seconds = ((performance.now() - t0) / 1000).toFixed(1);
    progress(`${ok ? 'done' : 'failed'} in ${seconds}s`);
    rows.push({ workload: flow.workload, input: flow.input, result, seconds, ok, skipped: false, blocks });
  }

  printTable(rows);
  writePage(rows, emulator);
  console.log(`outputs under ${outRoot}, page ${join(outRoot, 'index.html')}`);
  if (values.keep) await holdUntilStopped(emulator);
  await emulator.stop();
  return rows.every((r) => r.ok) ? 0 : 1;
}

function writePage(rows: Row[], emulator: { backend: string; description: string }): void {
  const flows: FlowReport[] = rows.map((r) => ({
    workload: r.workload,
    input: r.input,
    result: r.result,
    seconds: r.skipped ? undefined : Number(r.seconds),
    status: r.skipped ? 'skipped' : r.ok ? 'ok' : 'failed',
    blocks: r.blocks,
  }));
  const report = {
    backend: emulator.backend,
    description: emulator.description,
    finishedAt: new Date().toISOString(),
    flows,
  };
  // The data beside the page: `render.ts` rebuilds the page from it without a new run.
  writeFileSync(join(outRoot, 'demo.json'), JSON.stringify(report, null, 2));
  writeFileSync(join(outRoot, 'index.html'), renderReport(report));
}

function printTable(rows: Row[]): void {
  const head = { workload: 'workload', input: 'input', result: 'result', seconds: 'time (s)' };
  const cols = ['workload', 'input', 'result', 'seconds'] as const;
  const width = Object.fromEntries(
    cols.map((c) => [c, Math.max(head[c].length, ...rows.map((r) => r[c].length))]),
  ) as Record<(typeof cols)[number], number>;
  const line = (r: Record<(typeof cols)[number], string>) =>
    `| ${cols.map((c) => r[c].padEnd(width[c])).join(' | ')} |`;
  console.log(`\n${line(head)}`);
  console.log(`|${cols.map((c) => '-'.repeat(width[c] + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
  console.log('');
}

process.exitCode = await main();
