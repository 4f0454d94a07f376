import type { Reporter, TestModule } from 'vitest/node';

/**
 * Ends the run with one plain line, `tests: N passed, N failed, N skipped`, that any CI
 * can read whatever it knows of vitest's own summary. A suite or file that failed outside
 * its tests (a beforeAll that threw, an import error) counts as one failure, so a run
 * never reads `0 failed` when vitest failed it.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const m of modules) {
      let failedHere = 0;
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') failedHere += 1;
        else skipped += 1;
      }
      for (const s of m.children.allSuites()) {
        const anyTestFailed = [...s.children.allTests()].some((t) => t.result().state === 'failed');
        if (s.state() === 'failed' && !anyTestFailed) failedHere += 1;
      }
      if (m.state() === 'failed' && failedHere === 0) failedHere = 1;
      failed += failedHere;
    }
    failed += errors.length;
    console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  }
}
