import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { childrenCpuMs, inTurn, measure, paired, ratioText, recordResults, spread } from './index.ts';
import { compareResults, type Entry } from './results.ts';

// Spins until this thread has used `ms` of CPU: on a loaded machine a spin timed by the wall
// clock may get far less CPU than its wall time. The thread's own CPU, not the process's, which
// the runner's other threads add to: the spin then also lasts at least `ms` of wall time.
const spinCpu = (ms: number) => {
  const start = process.threadCpuUsage();
  for (;;) {
    const used = process.threadCpuUsage(start);
    if ((used.user + used.system) / 1000 >= ms) return;
  }
};
const SPIN_CHILD = `(${spinCpu.toString()})(300)`;

describe('spread', () => {
  it('gives the median (the mean of the middle two for an even count), min and max', () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3 });
    expect(spread([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4 });
    expect(() => spread([])).toThrow();
  });
});

describe('measure', () => {
  it("counts this process's CPU", async () => {
    const s = await measure(() => spinCpu(60));
    expect(s.wallMs).toBeGreaterThanOrEqual(60);
    // The kernel's user/system split is sampled per tick: allow one tick (10 ms) of it.
    expect(s.cpuMs).toBeGreaterThanOrEqual(50);
  });

  it.runIf(process.platform === 'linux')('counts the CPU of a child it waited for', async () => {
    const before = childrenCpuMs();
    const s = await measure(() => execFileSync(process.execPath, ['-e', SPIN_CHILD]));
    // Counted in clock ticks (10 ms), so up to a tick or two short of what the child used.
    expect(childrenCpuMs() - before).toBeGreaterThanOrEqual(280);
    expect(s.cpuMs).toBeGreaterThanOrEqual(280);
  });
});

describe('paired', () => {
  it('interleaves the variants, flipping the order each round, and takes ratios round by round', async () => {
    const order: string[] = [];
    const r = await paired(
      {
        a: () => {
          order.push('a');
          spinCpu(10);
        },
        b: () => {
          order.push('b');
          spinCpu(30);
        },
      },
      { baseline: 'a', pairs: 4, warmup: 1 },
    );
    expect(order).toEqual(['a', 'b', 'a', 'b', 'b', 'a', 'a', 'b', 'b', 'a']);
    expect(r.pairs).toBe(4);
    expect(r.variants.a.wallRatio).toEqual({ median: 1, min: 1, max: 1 });
    expect(r.variants.a.cpuRatio).toEqual({ median: 1, min: 1, max: 1 });
    // Three times the CPU, give or take the runner's other threads and the kernel's tick sampling.
    expect(r.variants.b.cpuRatio.median).toBeGreaterThan(2);
    expect(r.variants.b.cpuRatio.min).toBeLessThanOrEqual(r.variants.b.cpuRatio.median);
  });

  it('refuses a baseline that is not a variant', async () => {
    await expect(paired({ a: () => {} }, { baseline: 'b' as 'a' })).rejects.toThrow(/baseline/);
  });
});

describe('recordResults', () => {
  it('keeps one entry per workload and writes the table from all of them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-results-'));
    recordResults('x', [{ figure: 'f', value: '1 s' }], { cores: '2' }, dir);
    recordResults(
      'y',
      [{ figure: 'g', value: '2 s', ratio: { median: 1.2, min: 1.1, max: 1.3 }, target: '<= 1.3x', met: true }],
      {},
      dir,
    );
    recordResults('x', [{ figure: 'f', value: '3 s' }], { cores: '2' }, dir);
    const json = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    expect(Object.keys(json).sort()).toEqual(['x', 'y']);
    expect(json.x.figures[0].value).toBe('3 s');
    const md = readFileSync(join(dir, 'results.md'), 'utf8');
    expect(md).toContain('| x | f | 3 s |');
    expect(md).toContain('| y | g | 2 s |  | 1.20x (1.10-1.30) | <= 1.3x | yes |');
  });
});

describe('ratioText', () => {
  it('keeps two significant digits below 1, two decimals above', () => {
    expect(ratioText({ median: 0.0943, min: 0.0912, max: 0.1012 })).toBe('0.094x (0.091-0.10)');
    expect(ratioText({ median: 1.234, min: 0.856, max: 1.5 })).toBe('1.23x (0.86-1.50)');
  });
});

describe('compareResults', () => {
  it("gives each ratio's move from one run to the next, for the figures with a ratio in both", () => {
    const entry = (median: number, extra: Entry['figures'] = []): Record<string, Entry> => ({
      w: {
        workload: 'w',
        measuredAt: '',
        machine: {},
        figures: [{ figure: 'r', value: '', ratio: { median, min: median, max: median } }, ...extra],
      },
    });
    const changes = compareResults(entry(2), entry(2.5, [{ figure: 'new', value: '1', ratio: spread([1]) }]));
    expect(changes).toEqual([{ workload: 'w', figure: 'r', before: 2, after: 2.5, change: 0.25 }]);
  });
});

describe('inTurn', () => {
  it('runs both sides round after round, the order flipped each round, and keeps each side in round order', async () => {
    const order: string[] = [];
    const r = await inTurn(
      3,
      async (round) => {
        order.push(`a${round}`);
        return round;
      },
      async (round) => {
        order.push(`b${round}`);
        return `b${round}`;
      },
    );
    expect(order).toEqual(['a0', 'b0', 'b1', 'a1', 'a2', 'b2']);
    expect(r).toEqual({ a: [0, 1, 2], b: ['b0', 'b1', 'b2'] });
  });
});
