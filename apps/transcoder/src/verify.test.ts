// SPDX-License-Identifier: MIT-0
import { describe, expect, it } from 'vitest';
import { probeFixture } from '../test/fixtures/capture-probes.ts';
import type { ProbeData } from './plan.ts';
import { durationTolerance, mediaDurationSeconds, reportsDamagedInput, shortOutputs } from './verify.ts';

// Real ffprobe output (test/fixtures/capture-probes.ts): a 4 s faststart clip, the same clip
// with 60% of its bytes, and what ffmpeg's default options make of each.
const real = (name: string) => probeFixture(name) as ProbeData;

describe('mediaDurationSeconds', () => {
  it('is the longest of the first video and audio stream', () => {
    expect(mediaDurationSeconds(real('whole-output'))).toBeCloseTo(4.01, 3);
    expect(mediaDurationSeconds(real('cut-short-output'))).toBeCloseTo(2.453, 3);
  });

  it('believes the index of a file cut short: the source still claims its full duration', () => {
    expect(mediaDurationSeconds(real('cut-short-source'))).toBe(4);
  });
});

describe('shortOutputs', () => {
  const fps = 30;

  it('accepts a complete transcode (AAC priming makes it a few ms longer)', () => {
    expect(shortOutputs(real('whole-source'), [{ name: '360p', probe: real('whole-output') }], fps)).toEqual([]);
  });

  it('names an output that ends before the source does', () => {
    const short = shortOutputs(real('cut-short-source'), [{ name: '360p', probe: real('cut-short-output') }], fps);
    expect(short).toEqual(["360p lasts 2.45 s of the source's 4.00 s"]);
  });

  it('allows two frames and 50 ms, no more', () => {
    expect(durationTolerance(30)).toBeCloseTo(2 / 30 + 0.05, 6);
    expect(durationTolerance(Number.NaN)).toBeCloseTo(2 / 24 + 0.05, 6);
    const source = real('whole-source');
    const output = (seconds: number) => ({
      name: 'x',
      probe: { ...source, streams: source.streams.map((s) => ({ ...s, duration: String(seconds) })) },
    });
    expect(shortOutputs(source, [output(4 - durationTolerance(fps) + 0.001)], fps)).toEqual([]);
    expect(shortOutputs(source, [output(4 - durationTolerance(fps) - 0.001)], fps)).toHaveLength(1);
  });
});

describe('reportsDamagedInput', () => {
  // Lines ffmpeg 5.1 printed decoding the clip cut short (cut-short-source).
  it.each([
    'Error while decoding stream #0:0: Invalid data found when processing input',
    '[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55b12d46a980] stream 1, offset 0x95ad2: partial file',
    'cut.mp4: corrupt input packet in stream 0',
    '[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55e3faf2f940] Packet corrupt (stream = 0, dts = 37376).',
    '[h264 @ 0x55b12d4b0580] Error splitting the input into NAL units.',
  ])('recognises %s', (line) => {
    expect(reportsDamagedInput(line)).toBe(true);
  });

  it.each([
    '[libx264 @ 0x55f93cb9dc00] kb/s:1841.42',
    '[aac @ 0x562b8be61500] Qavg: 105.075',
    'frame=   60 fps=0.0 q=-1.0 Lsize=     213kB time=00:00:02.00 bitrate= 872.0kbits/s speed=4.1x',
    'av_interleaved_write_frame(): No space left on device',
  ])('does not blame the input for %s', (line) => {
    expect(reportsDamagedInput(line)).toBe(false);
  });
});
