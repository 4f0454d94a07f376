import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { expect } from 'vitest';

const asl = JSON.parse(
  readFileSync(new URL('../../../apps/video-pipeline/statemachine/video-pipeline.asl.json', import.meta.url), 'utf8'),
) as { StartAt: string; States: Record<string, { Type: string; End?: boolean; Error?: string }> };

/** The table's rows as printed: workload -> result cell. */
function tableRows(text: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of text.split('\n')) {
    const cells = line.match(/^\| (.+?) \| (.+?) \| (.+?) \| (.+?) \|$/);
    if (cells && cells[1]!.trim() !== 'workload') rows.set(cells[1]!.trim(), cells[3]!.trim());
  }
  return rows;
}

/**
 * Opens the page the run wrote in Debian's chromium and checks it against the run: it loads
 * cleanly from the folder alone, every picture decodes, and its figures are the table's.
 */
export async function checkPage(out: string, text: string, services: string[]): Promise<void> {
  const rows = tableRows(text);
  const started = performance.now();
  // playwright-core launches chromium with --no-sandbox unless chromiumSandbox is set, which
  // is what running as root in a CI container needs; no flag of our own.
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('requestfailed', (r) => errors.push(`${r.url()}: ${r.failure()?.errorText}`));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(join(out, 'index.html')).href, { waitUntil: 'load' });
    expect(errors).toEqual([]);
    // Nothing but files beside the page: no network.
    expect(requests.filter((u) => !u.startsWith(pathToFileURL(out).href))).toEqual([]);

    const images = await page.$$eval('img', (all) =>
      all.map((i) => ({
        src: i.getAttribute('src'),
        width: i.naturalWidth,
        height: i.naturalHeight,
        complete: i.complete,
      })),
    );
    expect(images.length).toBeGreaterThan(0);
    expect(images.filter((i) => !i.complete || i.width === 0)).toEqual([]);

    // The page's table is the printed one.
    const pageRows = await page.$$eval('#summary tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-workload')));
    expect(pageRows).toEqual([...rows.keys()]);
    for (const [workload, result] of rows) {
      expect(await page.locator(`#summary tbody tr[data-workload="${workload}"]`).textContent()).toContain(result);
    }
    const section = (w: string) => page.locator(`section[data-workload="${w}"]`);
    const figure = async (w: string, key: string) =>
      (await section(w).locator(`dd[data-figure="${key}"]`).textContent())?.trim();

    // Renditions: as many thumbnails as the run wrote, each shown at its decoded size and real byte count.
    const renditions = async (w: string) =>
      section(w)
        .locator('figure[data-rendition]')
        .evaluateAll((figs) =>
          figs.map((f) => ({
            href: f.querySelector('a')!.getAttribute('href')!,
            size: f.querySelector('[data-size]')!.textContent,
            natural: `${f.querySelector('img')!.naturalWidth} x ${f.querySelector('img')!.naturalHeight}`,
            bytes: f.querySelector('[data-bytes]')?.getAttribute('data-bytes'),
          })),
        );
    const shown = await renditions('image-resize');
    expect(shown.length).toBe(Number(rows.get('image-resize')!.match(/^(\d+) renditions/)![1]));
    for (const r of shown) {
      expect(r.size).toBe(r.natural);
      expect(Number(r.bytes)).toBe(statSync(join(out, decodeURIComponent(r.href))).size);
    }
    const transcoded = JSON.parse(readFileSync(join(out, 'transcoder', 'manifest.json'), 'utf8')) as {
      renditions: { width: number; height: number }[];
    };
    expect((await renditions('transcoder')).map((r) => r.size)).toEqual(
      transcoded.renditions.map((r) => `${r.width} x ${r.height}`),
    );

    const [, stored, notices, dead] = rows
      .get('order-processor')!
      .match(/^(\d+) orders stored once, (\d+) notices, (\d+) poison/)!;
    expect([
      await figure('order-processor', 'stored'),
      await figure('order-processor', 'notices'),
      await figure('order-processor', 'dead'),
    ]).toEqual([stored, notices, dead]);
    expect(Number(await figure('order-processor', 'duplicates'))).toBe(10);

    // Each image's top prediction is the one the table names, at the score it printed.
    for (const m of rows.get('inference-proxy')!.matchAll(/([\w.-]+) -> (\w+) ([\d.]+)/g)) {
      const top = section('inference-proxy')
        .locator('figure[data-prediction]', { hasText: m[1]! })
        .locator('tr')
        .first();
      expect((await top.locator('td').first().textContent())?.trim()).toBe(m[2]);
      expect(Number(await top.locator('[data-score]').getAttribute('data-score')).toFixed(2)).toBe(m[3]);
    }

    if (services.includes('ecs')) {
      const [, posts, orders, accepted, shopNotices, rejected] = rows
        .get('orders-api')!
        .match(/^(\d+) POSTs -> (\d+) orders: (\d+) accepted \((\d+) notices\), (\d+) rejected/)!;
      const shop = await Promise.all(
        ['posts', 'orders', 'stored', 'notices', 'rejected'].map((k) => figure('orders-api', k)),
      );
      expect(shop).toEqual([posts, orders, accepted, shopNotices, rejected]);

      const pipeline = JSON.parse(readFileSync(join(out, 'video-pipeline', 'manifest.json'), 'utf8')) as {
        renditions: unknown[];
      };
      expect((await renditions('video-pipeline')).length).toBe(pipeline.renditions.length);
      // The states each execution entered: a walk through the definition from StartAt to an end.
      const paths: Record<string, string[]> = await section('video-pipeline')
        .locator('ol[data-execution]')
        .evaluateAll((ols) =>
          Object.fromEntries(
            ols.map((ol) => [ol.getAttribute('data-execution'), [...ol.children].map((li) => li.textContent ?? '')]),
          ),
        );
      for (const states of Object.values(paths)) {
        expect(states[0]).toBe(asl.StartAt);
        for (const s of states) expect(Object.keys(asl.States)).toContain(s);
      }
      const clipEnd = asl.States[paths['uploads/clip.mp4']!.at(-1)!]!;
      expect(clipEnd.End === true || clipEnd.Type === 'Succeed').toBe(true);
      expect(paths['uploads/clip.mp4']).toContain('StartECSTask');
      expect(asl.States[paths['uploads/notes.txt']!.at(-1)!]).toMatchObject({ Type: 'Fail', Error: 'VideoRejected' });
    } else {
      for (const w of ['ecs-task-launcher', 'video-pipeline', 'orders-api']) {
        expect(await section(w).getAttribute('data-status')).toBe('skipped');
        expect(await section(w).locator('.reason').textContent()).toMatch(/skipped: backend external lacks ecs/);
      }
    }
    await page.screenshot({ path: join(out, 'index.png'), fullPage: true });
  } finally {
    await browser.close();
  }
  console.log(
    `page checked in chromium in ${Math.round(performance.now() - started)} ms; screenshot ${join(out, 'index.png')}`,
  );
}
