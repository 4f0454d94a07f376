/**
 * node packages/bench/src/compare.ts <first results.json> [second results.json]
 *
 * Each figure's median ratio in two runs of `pnpm bench` and how far the second moved from the
 * first; the second defaults to the latest run's bench-results/results.json. Exits 1 when a
 * figure moved by more than BENCH_TOLERANCE (default 0.10).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareResults, ratioNumber as num, RESULTS_DIR } from './results.ts';

const [first, second = join(RESULTS_DIR, 'results.json')] = process.argv.slice(2);
if (!first) {
  console.error('usage: compare.ts <first results.json> [second results.json]');
  process.exit(2);
}
const tolerance = Number(process.env.BENCH_TOLERANCE ?? 0.1);
const read = (f: string) => JSON.parse(readFileSync(f, 'utf8'));
const changes = compareResults(read(first), read(second));
const over = new Set(changes.filter((c) => Math.abs(c.change) > tolerance));
console.log('| workload | figure | run 1 | run 2 | change |');
console.log('| --- | --- | --- | --- | --- |');
for (const c of changes) {
  const pct = `${c.change >= 0 ? '+' : ''}${(c.change * 100).toFixed(1)}%`;
  const flag = over.has(c) ? ' **over**' : '';
  console.log(`| ${c.workload} | ${c.figure} | ${num(c.before)}x | ${num(c.after)}x | ${pct}${flag} |`);
}
console.log(`\n${changes.length} ratios compared, ${over.size} moved by more than ${tolerance * 100}%`);
process.exitCode = over.size > 0 ? 1 : 0;
