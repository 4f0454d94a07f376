/**
 * One ffmpeg run with a split filter (this program) against three separate ffmpeg runs, one
 * per rendition (each decoding the source again), on the same generated input, renditions
 * and encoder settings. Prints wall time, realtime factor and the ratio.
 *
 *   pnpm --filter @samples/transcoder bench
 *   BENCH_SECONDS=10 BENCH_PRESET=medium BENCH_ROUNDS=2 pnpm --filter @samples/transcoder bench
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { transcode } from '../src/ffmpeg.ts';
import { planRenditions } from '../src/plan.ts';
import { buildTranscodeSpec } from '../src/spec.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 6);
const preset = process.env.BENCH_PRESET ?? 'veryfast';
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'transcoder-bench-'));
const source = join(dir, 'source.mp4');

execFileSync('ffmpeg', [
  '-v',
  'error',
  '-y',
  '-f',
  'lavfi',
  '-i',
  `testsrc2=size=1920x1080:rate=30:duration=${seconds}`,
  '-f',
  'lavfi',
  '-i',
  `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
  '-c:v',
  'libx264',
  '-preset',
  'veryfast',
  '-crf',
  '18',
  '-pix_fmt',
  'yuv420p',
  '-c:a',
  'aac',
  '-shortest',
  source,
]);

const renditions = planRenditions({ width: 1920, height: 1080 }, [1080, 720, 480]);
const settings = { preset, crf: 23 };

async function split(): Promise<number> {
  const t = performance.now();
  const files = renditions.map((r) => join(dir, `split-${r.name}.mp4`));
  await transcode(source, buildTranscodeSpec(renditions, files, true, settings));
  return (performance.now() - t) / 1000;
}

async function separate(): Promise<number> {
  const t = performance.now();
  for (const r of renditions) {
    await transcode(source, buildTranscodeSpec([r], [join(dir, `separate-${r.name}.mp4`)], true, settings));
  }
  return (performance.now() - t) / 1000;
}

const results = { separate: [] as number[], split: [] as number[] };
try {
  for (let i = 0; i < rounds; i++) {
    // Alternate the order so neither side always runs on a warm cache.
    if (i % 2 === 0) {
      results.separate.push(await separate());
      results.split.push(await split());
    } else {
      results.split.push(await split());
      results.separate.push(await separate());
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return (s.length % 2 ? s[m] : ((s[m - 1] as number) + (s[m] as number)) / 2) as number;
};
const base = median(results.separate);
const ours = median(results.split);
console.log(
  `input: ${seconds} s 1920x1080 30 fps + AAC; renditions ${renditions.map((r) => r.name).join(', ')}; libx264 -preset ${preset} -crf 23; ${rounds} round(s), median`,
);
console.table([
  {
    approach: 'baseline: 3 separate ffmpeg runs',
    wallSeconds: +base.toFixed(2),
    realtimeFactor: +(seconds / base).toFixed(2),
  },
  { approach: 'one run, split filter', wallSeconds: +ours.toFixed(2), realtimeFactor: +(seconds / ours).toFixed(2) },
]);
console.log(`speed-up (baseline / split): ${(base / ours).toFixed(2)}x`);
