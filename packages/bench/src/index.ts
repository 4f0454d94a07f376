import { readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';

import { ratioText } from './results.ts';

export { type Figure, RESULTS_DIR, ratioText, recordResults } from './results.ts';

/** One timed run: wall time, and CPU time (user + system) of this process and of the children it waited for. */
export interface Sample {
  wallMs: number;
  cpuMs: number;
}

/** Median, min and max of a list of numbers. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(xs: readonly number[]): Spread {
  if (xs.length === 0) throw new Error('spread of no values');
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  const median = s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
  return { median, min: s[0] as number, max: s[s.length - 1] as number };
}

const TICKS_PER_SECOND = 100;

/**
 * CPU time of the children this process has waited for (Linux /proc/self/stat cutime + cstime),
 * in ms; 0 where /proc is absent. Covers ffmpeg, gm or node runs started with spawn/spawnSync.
 */
export function childrenCpuMs(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // cutime and cstime are fields 16 and 17 of the file: 14 and 15 after the name.
    const ticks = Number(fields[13]) + Number(fields[14]);
    return (ticks * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Runs `fn` once and measures it: wall time, this process's CPU and its waited-for children's. */
export async function measure(fn: () => unknown): Promise<Sample> {
  const cpu0 = process.cpuUsage();
  const children0 = childrenCpuMs();
  const t0 = performance.now();
  await fn();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 + (childrenCpuMs() - children0) };
}

export interface PairedOptions<K extends string> {
  /** The variant every other one is compared with. */
  baseline: NoInfer<K>;
  /** Pairs measured after the warm-up (BENCH_PAIRS overrides). Default 6. */
  pairs?: number;
  /** Untimed rounds of every variant first. Default 1. */
  warmup?: number;
  /** Called after each timed round, e.g. to print progress. */
  onRound?: (round: number, samples: Record<K, Sample>) => void;
}

export interface VariantResult {
  wallMs: Spread;
  cpuMs: Spread;
  /** This variant over the baseline, pair by pair (1 for the baseline itself). */
  wallRatio: Spread;
  cpuRatio: Spread;
}

export interface PairedResult<K extends string> {
  pairs: number;
  baseline: K;
  variants: Record<K, VariantResult>;
  /** Every timed sample, round by round. */
  samples: Record<K, Sample[]>;
}

/**
 * Runs `a` and `b` in turn, `rounds` times, the order flipped each round (a b, then b a, ...), for
 * what `paired` cannot time itself: throughput, latency percentiles, a value each side returns.
 * Gives each side's values round by round, to be compared within their round.
 */
export async function inTurn<A, B>(
  rounds: number,
  a: (round: number) => Promise<A>,
  b: (round: number) => Promise<B>,
): Promise<{ a: A[]; b: B[] }> {
  const as: A[] = [];
  const bs: B[] = [];
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      as.push(await a(round));
      bs.push(await b(round));
    } else {
      bs.push(await b(round));
      as.push(await a(round));
    }
  }
  return { a: as, b: bs };
}

/** `a` over `b` round by round (CPU or wall time), for comparisons other than with the baseline. */
export function ratioOf<K extends string>(r: PairedResult<K>, a: K, b: K, of: 'cpu' | 'wall' = 'cpu'): Spread {
  const key = of === 'cpu' ? 'cpuMs' : 'wallMs';
  return spread(r.samples[a].map((x, i) => x[key] / (r.samples[b][i] as Sample)[key]));
}

/**
 * Runs the variants in turn, round after round (A B C, then C B A, ...: the order flips each
 * round so neither side always runs first), takes each variant's ratio to the baseline within
 * the round, and gives the median ratio with its min and max. On a shared, noisy machine one
 * variant's runs drift with the load; the ratio of neighbouring runs drifts far less.
 */
export async function paired<K extends string>(
  variants: Record<K, () => unknown>,
  opts: PairedOptions<K>,
): Promise<PairedResult<K>> {
  const names = Object.keys(variants) as K[];
  if (!names.includes(opts.baseline)) throw new Error(`baseline ${opts.baseline} is not a variant`);
  const pairs = Number(process.env.BENCH_PAIRS ?? opts.pairs ?? 6);
  for (let w = 0; w < (opts.warmup ?? 1); w++) for (const n of names) await variants[n]();
  const samples = Object.fromEntries(names.map((n) => [n, [] as Sample[]])) as Record<K, Sample[]>;
  for (let round = 0; round < pairs; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    const got = {} as Record<K, Sample>;
    for (const n of order) got[n] = await measure(variants[n]);
    for (const n of names) samples[n].push(got[n]);
    opts.onRound?.(round, got);
  }
  const base = samples[opts.baseline];
  const result = {} as Record<K, VariantResult>;
  for (const n of names) {
    const s = samples[n];
    result[n] = {
      wallMs: spread(s.map((x) => x.wallMs)),
      cpuMs: spread(s.map((x) => x.cpuMs)),
      wallRatio: spread(s.map((x, i) => x.wallMs / (base[i] as Sample).wallMs)),
      cpuRatio: spread(s.map((x, i) => x.cpuMs / (base[i] as Sample).cpuMs)),
    };
  }
  return { pairs, baseline: opts.baseline, variants: result, samples };
}

/** Prints one line per variant: median wall and CPU, and their ratios to the baseline. */
export function printPaired<K extends string>(title: string, r: PairedResult<K>): void {
  console.log(`${title}: ${r.pairs} interleaved rounds, ratios to ${r.baseline} taken round by round`);
  const rows = Object.entries(r.variants) as [K, VariantResult][];
  const width = Math.max(...rows.map(([n]) => n.length));
  for (const [n, v] of rows) {
    const cmp = n === r.baseline ? 'baseline' : `wall ${ratioText(v.wallRatio)}, CPU ${ratioText(v.cpuRatio)}`;
    console.log(
      `  ${n.padEnd(width)}  wall ${(v.wallMs.median / 1000).toFixed(3)} s  CPU ${(v.cpuMs.median / 1000).toFixed(3)} s  ${cmp}`,
    );
  }
}

/** What the figures were measured on. */
export function machineFacts(extra: Record<string, string> = {}): Record<string, string> {
  return {
    cores: String(availableParallelism()),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    ...extra,
  };
}
