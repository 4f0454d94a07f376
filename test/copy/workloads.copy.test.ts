import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  imageContextProblems,
  importProblems,
  materialize,
  type Recipe,
  ROOT,
  readRecipe,
  run,
  STEPS,
} from './recipe.ts';
import { WORKLOADS } from './workloads.ts';

/**
 * The copy test: each workload's README "Copy it" recipe, followed in a fresh folder outside
 * the workspace with packages from the npm registry, as a user would. The workspace's pnpm
 * store is shared (--prefer-offline), so packages the lockfile already fetched are linked,
 * not downloaded again; the README's npm commands do the same with npm's own cache.
 */
const STORE = execFileSync('pnpm', ['store', 'path'], { cwd: ROOT, encoding: 'utf8' }).trim();
const times: string[] = [];
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Copies the recipe into a fresh folder, checks its imports and installs its packages;
 * `change` edits the copy first (the gate's proof below).
 */
async function prepare(recipe: Recipe, change?: (dir: string) => void): Promise<{ dir: string; ms: number }> {
  const dir = mkdtempSync(join(tmpdir(), `copy-${recipe.workload}-`));
  materialize(recipe, dir);
  change?.(dir);
  const problems = importProblems(dir);
  if (problems.length) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`the copy of ${recipe.workload} imports what it does not have:\n${problems.join('\n')}`);
  }
  const install = ['install', '--prefer-offline', '--store-dir', STORE, '--reporter=append-only'];
  return { dir, ms: (await run('pnpm', install, dir)).ms };
}

describe('every workload, copied as its README says, type-checks, builds and passes its unit tests alone', () => {
  afterAll(() => {
    if (times.length) console.log(`[copy test]\n${times.join('\n')}`);
  });

  it.concurrent.each(WORKLOADS)('%s', async (workload) => {
    const start = performance.now();
    const recipe = readRecipe(workload);
    const { dir, ms: install } = await prepare(recipe);
    const ms: Record<string, number> = { install };
    for (const step of STEPS) ms[step] = (await run('pnpm', ['run', step], dir)).ms;
    const image = recipe.packageJson.scripts?.image;
    if (image) expect(imageContextProblems(dir, image)).toEqual([]);
    const steps = Object.entries(ms).map(([k, v]) => `${k} ${seconds(v)}`);
    times.push(`${workload.padEnd(18)} ${seconds(performance.now() - start).padStart(7)}  (${steps.join(', ')})`);
    rmSync(dir, { recursive: true, force: true });
  });

  // The gate, proven once with the real tools: a copied file that reaches outside its folder
  // stops the copy test before anything is installed, naming the file and the imports; and in
  // an installed copy, tsc fails on the same file.
  const leak = (dir: string) =>
    writeFileSync(
      join(dir, 'src', 'leak.ts'),
      "import { bundleLambda } from '@samples/build';\nimport { x } from '../../x.ts';\nexport const y = [bundleLambda, x];\n",
    );

  it.concurrent('fails a copy whose src/ imports the repository or a file outside it', async () => {
    const recipe = readRecipe('image-resize');
    await expect(prepare(recipe, leak)).rejects.toThrow(
      [
        'the copy of image-resize imports what it does not have:',
        "src/leak.ts imports '@samples/build', but @samples/build is not in the README's package.json",
        "src/leak.ts imports '../../x.ts', outside the copied files",
      ].join('\n'),
    );
    const { dir } = await prepare(recipe);
    leak(dir);
    await expect(run('pnpm', ['run', 'typecheck'], dir)).rejects.toThrow(
      /Cannot find module '@samples\/build'[\s\S]*Cannot find module '\.\.\/\.\.\/x\.ts'/,
    );
    rmSync(dir, { recursive: true, force: true });
  });
});
