import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

/** Every file of a folder tree whose name ends with `suffix`. */
function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(suffix) && !f.includes('node_modules'))
    .map((f) => join(dir, f));
}

// What users copy is MIT No Attribution, and each file says so (README, "License").
describe('copyable code is licensed MIT-0, file by file', () => {
  const apps = readdirSync(join(ROOT, 'apps'));
  const copyable = [
    ...apps.flatMap((app) => filesUnder(join(ROOT, 'apps', app, 'src'), '.ts')),
    ...filesUnder(join(ROOT, 'docker'), '.Dockerfile'),
  ];

  it('finds the files it checks', () => {
    expect(copyable.length).toBeGreaterThan(40);
  });

  it('starts every file under apps/*/src and docker/ with its SPDX identifier', () => {
    const missing = copyable.filter((f) => !/^(\/\/|#) SPDX-License-Identifier: MIT-0\n/.test(readFileSync(f, 'utf8')));
    expect(missing.map((f) => f.slice(ROOT.length + 1))).toEqual([]);
  });
});
