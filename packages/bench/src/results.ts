import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Spread } from './index.ts';

/** Where `pnpm bench` leaves its table: results.json (every figure) and results.md (the same, to read). */
export const RESULTS_DIR =
  process.env.BENCH_RESULTS_DIR ?? join(import.meta.dirname, '..', '..', '..', 'bench-results');

export interface Figure {
  /** What was measured, e.g. "CPU per image, handler". */
  figure: string;
  /** The measured value with its unit, e.g. "0.412 s". */
  value: string;
  /** What it is compared with, e.g. "encode floor". */
  baseline?: string;
  /** This figure over the baseline, pair by pair. */
  ratio?: Spread;
  /** The target, e.g. "<= 1.10x", and whether the median meets it. */
  target?: string;
  met?: boolean;
}

export interface Entry {
  workload: string;
  measuredAt: string;
  machine: Record<string, string>;
  figures: Figure[];
}

/**
 * Records one workload's figures, replacing what an earlier run recorded for it, and rewrites
 * the Markdown table from every workload's latest entry.
 */
export function recordResults(
  workload: string,
  figures: Figure[],
  machine: Record<string, string>,
  dir: string = RESULTS_DIR,
): void {
  mkdirSync(dir, { recursive: true });
  const jsonFile = join(dir, 'results.json');
  let all: Record<string, Entry> = {};
  try {
    all = JSON.parse(readFileSync(jsonFile, 'utf8')) as Record<string, Entry>;
  } catch {
    // First run, or a file from elsewhere: start again.
  }
  all[workload] = { workload, measuredAt: new Date().toISOString(), machine, figures };
  writeFileSync(jsonFile, `${JSON.stringify(all, null, 2)}\n`);
  writeFileSync(join(dir, 'results.md'), markdown(Object.values(all)));
  console.log(`results: ${join(dir, 'results.md')}`);
}

// Two significant digits below 0.1 (0.094x, not 0.09x): a small ratio rounded to two decimals
// moves by a tenth of itself on the last digit.
export const ratioNumber = (n: number) => (n >= 0.1 ? n.toFixed(2) : n.toPrecision(2));

/** `1.23x (1.10-1.41)`: a median ratio with its spread. */
export function ratioText(r: Spread): string {
  return `${ratioNumber(r.median)}x (${ratioNumber(r.min)}-${ratioNumber(r.max)})`;
}

const ratio = (r?: Spread) => (r ? ratioText(r) : '');

export interface Change {
  workload: string;
  figure: string;
  before: number;
  after: number;
  /** after / before - 1 */
  change: number;
}

/**
 * Each figure's median ratio in two results files (two runs), for the figures with a ratio in
 * both, and how far the second moved from the first.
 */
export function compareResults(before: Record<string, Entry>, after: Record<string, Entry>): Change[] {
  const changes: Change[] = [];
  for (const [workload, entry] of Object.entries(after)) {
    for (const f of entry.figures) {
      const old = before[workload]?.figures.find((g) => g.figure === f.figure);
      if (!f.ratio || !old?.ratio) continue;
      changes.push({
        workload,
        figure: f.figure,
        before: old.ratio.median,
        after: f.ratio.median,
        change: f.ratio.median / old.ratio.median - 1,
      });
    }
  }
  return changes;
}

export function markdown(entries: Entry[]): string {
  const lines = ['# Benchmark results', ''];
  lines.push('| workload | figure | value | baseline | median ratio (min-max) | target | met |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- |');
  for (const e of [...entries].sort((a, b) => a.workload.localeCompare(b.workload))) {
    for (const f of e.figures) {
      const met = f.met === undefined ? '' : f.met ? 'yes' : '**no**';
      lines.push(
        `| ${e.workload} | ${f.figure} | ${f.value} | ${f.baseline ?? ''} | ${ratio(f.ratio)} | ${f.target ?? ''} | ${met} |`,
      );
    }
  }
  lines.push('', '## Machines', '');
  for (const e of entries) {
    const facts = Object.entries(e.machine)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    lines.push(`- ${e.workload} (${e.measuredAt}): ${facts}`);
  }
  return `${lines.join('\n')}\n`;
}
