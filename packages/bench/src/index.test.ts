import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { childrenCpuMs, measure, paired, recordResults, spread } from './index.ts';

const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

describe('spread', () => {
  it('gives the median (the mean of the middle two for an even count), min and max', () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3 });
    expect(spread([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4 });
    expect(() => spread([])).toThrow();
  });
});

describe('measure', () => {
  it("counts this process's CPU", async () => {
    const s = await measure(() => busy(60));
    expect(s.wallMs).toBeGreaterThanOrEqual(60);
    expect(s.cpuMs).toBeGreaterThan(30);
  });

  it.runIf(process.platform === 'linux')('counts the CPU of a child it waited for', async () => {
    const before = childrenCpuMs();
    const s = await measure(() =>
      execFileSync(process.execPath, ['-e', 'const e = Date.now() + 300; while (Date.now() < e);']),
    );
    expect(childrenCpuMs() - before).toBeGreaterThan(150);
    expect(s.cpuMs).toBeGreaterThan(150);
  });
});

describe('paired', () => {
  it('interleaves the variants, flipping the order each round, and takes ratios round by round', async () => {
    const order: string[] = [];
    const r = await paired(
      {
        a: () => {
          order.push('a');
          busy(10);
        },
        b: () => {
          order.push('b');
          busy(30);
        },
      },
      { baseline: 'a', pairs: 4, warmup: 1 },
    );
    expect(order).toEqual(['a', 'b', 'a', 'b', 'b', 'a', 'a', 'b', 'b', 'a']);
    expect(r.pairs).toBe(4);
    expect(r.variants.a.wallRatio).toEqual({ median: 1, min: 1, max: 1 });
    expect(r.variants.b.wallRatio.median).toBeGreaterThan(2);
    expect(r.variants.b.wallRatio.min).toBeLessThanOrEqual(r.variants.b.wallRatio.median);
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
