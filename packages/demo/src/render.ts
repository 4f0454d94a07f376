/**
 * pnpm --filter @samples/demo render [--out DIR]
 *
 * Rebuilds `index.html` from the `demo.json` of an earlier `pnpm demo` run, to look at the
 * page again (or after changing it) without running the flows.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '@samples/emulator';
import { type DemoReport, renderReport } from './report.ts';

const { values } = parseArgs({ options: { out: { type: 'string' } } });
const outRoot = resolve(values.out ?? join(REPO_ROOT, '.demo-output'));
const report = JSON.parse(readFileSync(join(outRoot, 'demo.json'), 'utf8')) as DemoReport;
writeFileSync(join(outRoot, 'index.html'), renderReport(report));
console.log(join(outRoot, 'index.html'));
