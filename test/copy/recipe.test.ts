import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importProblems, lockedVersions, materialize, packageProblems, readRecipe } from './recipe.ts';
import { WORKLOADS } from './workloads.ts';

// The fast half of the copy test (workloads.copy.test.ts installs and runs each recipe): the
// READMEs' recipes against the lockfile, and the import check that guards them.
const scratch = mkdtempSync(join(tmpdir(), 'copy-recipe-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.each(WORKLOADS)("%s's README recipe", (workload) => {
  const recipe = readRecipe(workload);

  it("lists the app's dependencies at the lockfile's versions, and the scripts it runs", () => {
    expect(packageProblems(recipe)).toEqual([]);
  });

  it('copies files that import only each other, Node and the listed packages', () => {
    const dir = join(scratch, workload);
    mkdirSync(dir);
    materialize(recipe, dir);
    expect(importProblems(dir)).toEqual([]);
  });
});

// One import style for copiers (relative imports ending in .ts, README "Copying a workload"):
// every recipe compiles with the same options, only what it includes differs.
it("gives every workload the same compiler options, a plain nodenext tsconfig for Node 24's type stripping", () => {
  const options = WORKLOADS.map((w) => (readRecipe(w).tsconfig as { compilerOptions: unknown }).compilerOptions);
  for (const o of options) expect(o).toEqual(options[0]);
  expect(options[0]).toMatchObject({
    module: 'nodenext',
    rewriteRelativeImportExtensions: true,
    erasableSyntaxOnly: true,
  });
  expect(options[0]).not.toHaveProperty('allowImportingTsExtensions');
});

describe('the import check', () => {
  it('names each import a copier could not satisfy', () => {
    const dir = join(scratch, 'leaky');
    mkdirSync(join(dir, 'src'), { recursive: true });
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ dependencies: { zod: '4.6.7' }, devDependencies: { '@types/aws-lambda': '8.10.164' } }),
    );
    writeFileSync(join(dir, 'src', 'ok.ts'), 'export const ok = 1;\n');
    writeFileSync(
      join(dir, 'src', 'handler.ts'),
      [
        "import { readFile } from 'node:fs/promises';",
        "import { join } from 'path';",
        "import { z } from 'zod';",
        "import { z as mini } from 'zod/mini';",
        "import type { S3Event } from 'aws-lambda';",
        "import { ok } from './ok.ts';",
        "import { bundleLambda } from '@samples/build';",
        "import { x } from '../../x.ts';",
        "import { gone } from './gone.ts';",
        "export { y } from 'lodash';",
        "const later = await import('@aws-sdk/client-s3');",
      ].join('\n'),
    );
    expect(importProblems(dir)).toEqual([
      "src/handler.ts imports '@samples/build', but @samples/build is not in the README's package.json",
      "src/handler.ts imports '../../x.ts', outside the copied files",
      "src/handler.ts imports './gone.ts', which is not among the copied files",
      "src/handler.ts imports 'lodash', but lodash is not in the README's package.json",
      "src/handler.ts imports '@aws-sdk/client-s3', but @aws-sdk/client-s3 is not in the README's package.json",
    ]);
  });

  it('reads the versions pnpm resolved per importer from the lockfile', () => {
    const lock = [
      'lockfileVersion: 9.0',
      'importers:',
      '  apps/a:',
      '    dependencies:',
      "      '@aws-sdk/client-s3':",
      "        specifier: 'catalog:'",
      '        version: 3.1164.0',
      '    devDependencies:',
      '      vitest:',
      '        specifier: 5.1.1',
      '        version: 5.1.1(@types/node@24.19.2)',
      'packages:',
      '  zod@4.6.7:',
      '    resolution: {}',
    ].join('\n');
    const locked = lockedVersions(lock);
    expect([...locked.keys()]).toEqual(['apps/a']);
    expect(Object.fromEntries(locked.get('apps/a') ?? [])).toEqual({
      '@aws-sdk/client-s3': '3.1164.0',
      vitest: '5.1.1',
    });
  });
});
