import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emulator } from '@samples/emulator/testing';
import { expect, it } from 'vitest';
import { checkPage } from '../packages/demo/test/page.ts';

// Every flow deploys its stack: on a loaded 2-core machine the whole demo has taken 6 minutes.
const DEMO_TIMEOUT_MS = 900_000;
const main = fileURLToPath(new URL('../packages/demo/src/main.ts', import.meta.url));
it(
  'pnpm demo runs every flow the backend can serve, prints the table and writes a page of the outputs',
  async () => {
    const info = emulator();
    const out = mkdtempSync(join(tmpdir(), 'demo-'));
    // The demo reuses this run's emulator as an external one instead of starting another.
    const r = spawnSync(process.execPath, [main, '--out', out], {
      // It declares this backend's services, so the demo skips what this backend lacks.
      env: { ...process.env, ...info.env, AWS_EMULATOR: 'external', AWS_EMULATOR_SERVICES: info.services.join(',') },
      encoding: 'utf8',
      timeout: DEMO_TIMEOUT_MS - 30_000,
    });
    const text = `${r.stdout}${r.stderr}`;
    console.log(text);
    expect(r.status, text).toBe(0);
    expect(text).toMatch(/\| workload\s+\| input\s+\| result\s+\| time \(s\) \|/);
    expect(text).toMatch(/\| emulator\s+\| 1 KiB object\s+\| round-tripped 1024 bytes/);
    expect(readFileSync(join(out, 'emulator', 'hello.txt')).length).toBe(1024);
    if (info.services.includes('ecs')) {
      expect(text).toMatch(/\| ecs-task-launcher\s+\| .+\| task \S+ exit 0, \d+ objects written/);
      expect(text).toMatch(/\| video-pipeline\s+\| .+\| clip SUCCEEDED \(720p, 480p\); \.txt FAILED VideoRejected/);
      expect(readFileSync(join(out, 'video-pipeline', 'manifest.json'), 'utf8')).toMatch(/"name": "720p"/);
      expect(text).toMatch(
        /\| orders-api\s+\| .+\| 20 POSTs -> 19 orders: 18 accepted \(18 notices\), 1 rejected \(order \S+ total overflows\); invalid cart 400/,
      );
    } else {
      // A backend without ECS (LocalStack's community code): those flows say why they did not run.
      for (const workload of ['ecs-task-launcher', 'video-pipeline', 'orders-api']) {
        expect(text).toMatch(new RegExp(`\\| ${workload}\\s+\\| .+\\| skipped: backend external lacks ecs`));
      }
    }
    // The inference stack's HTTP API, or its REST API where the backend has no HTTP APIs: it runs on both.
    expect(text).toMatch(/\| inference-proxy\s+\| .+\| canvas\.png -> \w+ [\d.]+, line-art\.jpg -> \w+ [\d.]+/);
    await checkPage(out, text, info.services);
  },
  DEMO_TIMEOUT_MS,
);
