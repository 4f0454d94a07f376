/**
 * A 12 MP JPEG to all default renditions (1280/640/200 x JPEG/WebP), three ways, each in
 * its own process so peak RSS is its own:
 *   handler  - the handler's pipeline: decode once, every rendition from the decoded pixels
 *   per-rendition - one sharp pipeline per rendition from the encoded file (common samples)
 *   gm       - GraphicsMagick from Debian, one command per rendition
 * Prints images/s, peak RSS and the handler's ratio to each.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { parseConfig } from '../src/config.ts';
import { planRenditions } from '../src/plan.ts';
import { renderAll } from '../src/resize.ts';
import { photo } from '../test/images.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const config = parseConfig({ DEST_BUCKET: 'bench' });
const self = fileURLToPath(import.meta.url);

async function run(mode: string, file: string): Promise<void> {
  const { readFileSync } = await import('node:fs');
  const input = readFileSync(file);
  const t0 = performance.now();
  for (let i = 0; i < ROUNDS; i++) {
    if (mode === 'handler') {
      await renderAll(input, 'bench.jpg', config);
    } else if (mode === 'per-rendition') {
      const meta = await sharp(input).metadata();
      const plan = planRenditions({ width: meta.width ?? 0, height: meta.height ?? 0, key: 'bench.jpg' }, config);
      await Promise.all(
        plan.map((r) => {
          const img = sharp(input).rotate().resize({ width: r.width });
          return (
            r.format === 'jpeg' ? img.jpeg({ quality: 80, mozjpeg: true }) : img.webp({ quality: 80 })
          ).toBuffer();
        }),
      );
    } else {
      const out = mkdtempSync(join(tmpdir(), 'gm-'));
      for (const width of config.widths) {
        for (const ext of ['jpg', 'webp']) {
          execFileSync('gm', [
            'convert',
            file,
            '-auto-orient',
            '-resize',
            `${width}x`,
            '-strip',
            '-quality',
            '80',
            join(out, `${width}.${ext}`),
          ]);
        }
      }
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ imagesPerSecond: ROUNDS / seconds, peakRssMb: process.resourceUsage().maxRSS / 1024 }));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'resize-bench-'));
  const file = join(dir, '12mp.jpg');
  writeFileSync(file, await photo(4000, 3000));
  const gmOk = spawnSync('gm', ['version']).status === 0;
  const modes = ['handler', 'per-rendition', ...(gmOk ? ['gm'] : [])];
  const results: Record<string, { imagesPerSecond: number; peakRssMb: number }> = {};
  for (const mode of modes) {
    const r = spawnSync(process.execPath, [self, mode, file], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${mode} failed: ${r.stderr}`);
    results[mode] = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}');
  }
  const base = results.handler!;
  console.log(
    `12 MP JPEG -> ${planRenditions({ width: 4000, height: 3000, key: 'x' }, config).length} renditions, ${ROUNDS} rounds, sharp.concurrency()=${sharp.concurrency()}`,
  );
  for (const [mode, r] of Object.entries(results)) {
    const ratio = base.imagesPerSecond / r.imagesPerSecond;
    console.log(
      `  ${mode.padEnd(14)} ${r.imagesPerSecond.toFixed(2).padStart(6)} images/s  peak RSS ${r.peakRssMb.toFixed(0).padStart(5)} MB` +
        (mode === 'handler' ? '' : `  handler is ${ratio.toFixed(2)}x faster`),
    );
  }
  if (!gmOk) console.log('  gm: GraphicsMagick not installed (apt-get install graphicsmagick)');
}

const [mode, file] = process.argv.slice(2);
if (mode && file) await run(mode, file);
else await main();
