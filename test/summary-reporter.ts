import { relative } from 'node:path';
import type { Reporter, TestCase, TestModule, Vitest } from 'vitest/node';

/** Set by the emulator's global setup (packages/emulator/src/vitest-setup.ts) when it started one. */
const RAN_KEY = Symbol.for('aws-compute-samples.emulator-ran');
interface Ran {
  backend: string;
  description: string;
  notes: string[];
}

interface Tally {
  passed: number;
  failed: number;
  skipped: number;
  /** Skipped suites and tests: title -> count, the reason is in the title. */
  skips: Map<string, number>;
}

/**
 * Ends the run with, per workload, what ran and what was skipped with the reason (a suite that
 * needs a service the backend lacks says so in its title), then one plain line,
 * `tests: N passed, N failed, N skipped (backend ...)`, that any CI can read whatever it knows of
 * vitest's own summary. A suite or file that failed outside its tests (a beforeAll that threw, an
 * import error) counts as one failure, so a run never reads `0 failed` when vitest failed it.
 */
export default class SummaryReporter implements Reporter {
  private root = process.cwd();

  onInit(vitest: Vitest): void {
    this.root = vitest.config.root;
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<unknown>): void {
    const byWorkload = new Map<string, Tally>();
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const m of modules) {
      const workload = workloadOf(relative(this.root, m.moduleId));
      const tally = byWorkload.get(workload) ?? { passed: 0, failed: 0, skipped: 0, skips: new Map() };
      byWorkload.set(workload, tally);
      let failedHere = 0;
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') tally.passed += 1;
        else if (state === 'failed') failedHere += 1;
        else {
          tally.skipped += 1;
          const why = skipTitle(t);
          tally.skips.set(why, (tally.skips.get(why) ?? 0) + 1);
        }
      }
      for (const s of m.children.allSuites()) {
        const anyTestFailed = [...s.children.allTests()].some((t) => t.result().state === 'failed');
        if (s.state() === 'failed' && !anyTestFailed) failedHere += 1;
      }
      if (m.state() === 'failed' && failedHere === 0) failedHere = 1;
      tally.failed += failedHere;
    }
    const ran = (globalThis as Record<symbol, Ran | undefined>)[RAN_KEY];
    const backend = ran ? `backend ${ran.backend}: ${ran.description}` : 'no emulator';
    const lines = [`\nper workload (${backend}):`];
    for (const [workload, t] of [...byWorkload].sort(([a], [b]) => a.localeCompare(b))) {
      passed += t.passed;
      failed += t.failed;
      skipped += t.skipped;
      lines.push(`  ${workload}: ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`);
      for (const [title, n] of t.skips) lines.push(`    skipped ${n}: ${title}`);
    }
    for (const note of ran?.notes ?? []) lines.push(`  ${note}`);
    failed += errors.length;
    if (byWorkload.size > 0) console.log(lines.join('\n'));
    console.log(
      `\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped (${ran ? `backend ${ran.backend}` : 'no emulator'})`,
    );
  }
}

/** apps/<name>/..., packages/<name>/... or the cross-workload tests in test/. */
function workloadOf(file: string): string {
  const [top, name] = file.split('/');
  if ((top === 'apps' || top === 'packages') && name) return name;
  return top === 'test' ? 'test (cross-workload)' : (top ?? file);
}

/** The title of the outermost skipped suite (it carries the reason), else the test's own. */
function skipTitle(test: TestCase): string {
  let title = test.name;
  let parent = test.parent;
  while (parent.type === 'suite') {
    if (parent.state() === 'skipped') title = parent.name;
    parent = parent.parent;
  }
  return title;
}
