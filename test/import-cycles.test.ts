import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
// Static and type-only imports, re-exports, and dynamic import() of relative paths.
const RELATIVE = /(?:from\s+|import\s*\(\s*|import\s+)'(\.{1,2}\/[^']+)'/g;

/** The relative imports of every .ts file of a src/ tree (tests excluded), resolved to paths. */
function importGraph(dir: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (!f.endsWith('.ts') || f.endsWith('.test.ts')) continue;
    const text = readFileSync(join(dir, f), 'utf8');
    const from = normalize(f);
    const deps = [...text.matchAll(RELATIVE)].map((m) =>
      normalize(join(from, '..', (m[1] as string).replace(/\.js$/, '.ts'))),
    );
    graph.set(from, deps);
  }
  return graph;
}

/** Every import circle of the graph, each as the path that closes it. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const done = new Set<string>();
  const visit = (node: string, path: string[]) => {
    const at = path.indexOf(node);
    if (at >= 0) {
      found.push([...path.slice(at), node]);
      return;
    }
    if (done.has(node)) return;
    for (const dep of graph.get(node) ?? []) visit(dep, [...path, node]);
    done.add(node);
  };
  for (const node of graph.keys()) visit(node, []);
  return found;
}

// A copied src/ is read top to bottom; a circle makes module order (and TDZ errors) depend on
// which file is imported first.
describe('no import circles in any apps/*/src', () => {
  const apps = readdirSync(join(ROOT, 'apps')).filter((a) => existsSync(join(ROOT, 'apps', a, 'src')));

  it('finds a circle where there is one', () => {
    const g = new Map([
      ['plan.ts', ['errors.ts']],
      ['errors.ts', ['contract.ts']],
      ['contract.ts', ['keys.ts']],
      ['keys.ts', ['plan.ts']],
      ['main.ts', ['plan.ts']],
    ]);
    expect(cycles(g)).toContainEqual(['plan.ts', 'errors.ts', 'contract.ts', 'keys.ts', 'plan.ts']);
    expect(cycles(new Map([['a.ts', ['b.ts']]]))).toEqual([]);
  });

  it.each(apps)('%s', (app) => {
    const graph = importGraph(join(ROOT, 'apps', app, 'src'));
    expect(graph.size).toBeGreaterThan(0);
    expect(cycles(graph)).toEqual([]);
  });
});
