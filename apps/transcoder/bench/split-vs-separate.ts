/**
 * One ffmpeg run with a split filter (this program) against three separate ffmpeg runs, one
 * per rendition (each decoding the source again), and against the same single command run bare
 * (the wrapper's own cost), on the same generated input, renditions and encoder settings.
 * Variants interleaved round by round; CPU counts the ffmpeg children. Prints and records the
 * median ratios (bench-results/).
 *
 *   pnpm --filter @samples/transcoder bench
 *   BENCH_SECONDS=10 BENCH_PRESET=medium BENCH_ROUNDS=2 pnpm --filter @samples/transcoder bench
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machineFacts, paired, printPaired, ratioOf, recordResults } from '@samples/bench';
import { makeClip } from '@samples/test-support/clips';
import { transcode } from '../src/ffmpeg.ts';
import { planRenditions } from '../src/plan.ts';
import { buildTranscodeSpec } from '../src/spec.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 6);
const preset = process.env.BENCH_PRESET ?? 'veryfast';
const rounds = Number(process.env.BENCH_ROUNDS ?? 4);
const dir = mkdtempSync(join(tmpdir(), 'transcoder-bench-'));
const source = join(dir, 'source.mp4');

writeFileSync(source, makeClip({ width: 1920, height: 1080, seconds, fps: 30, preset: 'veryfast', crf: 18 }));

const renditions = planRenditions({ width: 1920, height: 1080 }, [1080, 720, 480]);
const settings = { preset, crf: 23 };
const spec = buildTranscodeSpec(
  renditions,
  renditions.map((r) => join(dir, `split-${r.name}.mp4`)),
  true,
  settings,
);

const variants = {
  // The program's one run with a split filter, through its wrapper (fluent-ffmpeg, progress, checks).
  split: () => transcode(source, spec),
  // The same ffmpeg command line, bare: what the wrapper adds is the difference.
  bare: () =>
    execFileSync(
      'ffmpeg',
      [
        '-nostdin',
        '-hide_banner',
        '-xerror',
        '-y',
        '-i',
        source,
        '-filter_complex',
        spec.filter,
        ...spec.outputs.flatMap((o) => [...o.options, join(dir, `bare-${o.rendition.name}.mp4`)]),
      ],
      // Its log read as the wrapper reads it, not printed.
      { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 },
    ),
  // The common recipe: one ffmpeg run per rendition, each decoding the source again.
  separate: async () => {
    for (const r of renditions) {
      await transcode(source, buildTranscodeSpec([r], [join(dir, `separate-${r.name}.mp4`)], true, settings));
    }
  },
};

try {
  const result = await paired(variants, { baseline: 'split', pairs: rounds, warmup: 1 });
  printPaired(
    `input: ${seconds} s 1920x1080 30 fps + AAC; renditions ${renditions.map((r) => r.name).join(', ')}; libx264 -preset ${preset} -crf 23`,
    result,
  );
  const v = result.variants;
  const wrapper = ratioOf(result, 'split', 'bare');
  const ffmpegVersion = execFileSync('ffmpeg', ['-version'], { encoding: 'utf8' }).split('\n')[0] ?? '';
  recordResults(
    'transcoder',
    [
      {
        figure: `CPU, one run with a split filter (${seconds} s 1080p clip)`,
        value: `${(v.split.cpuMs.median / 1000).toFixed(2)} s`,
      },
      {
        figure: 'CPU, three separate ffmpeg runs',
        value: `${(v.separate.cpuMs.median / 1000).toFixed(2)} s`,
        baseline: 'split',
        ratio: v.separate.cpuRatio,
        target: '>= 1.30x',
        met: v.separate.cpuRatio.median >= 1.3,
      },
      {
        figure: 'CPU, the wrapper over the bare ffmpeg command',
        value: `${(v.split.cpuMs.median / 1000).toFixed(2)} s`,
        baseline: 'bare ffmpeg, same arguments',
        ratio: wrapper,
        target: '<= 1.05x',
        met: wrapper.median <= 1.05,
      },
    ],
    machineFacts({ ffmpeg: ffmpegVersion.replace(/^ffmpeg version /, '').split(' ')[0] ?? '', preset }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
