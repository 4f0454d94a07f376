// SPDX-License-Identifier: MIT-0
import { describe, expect, it } from 'vitest';
import { durationTolerance, reportsDamagedInput } from './verify.ts';

describe('durationTolerance', () => {
  it('allows two frames and 50 ms, at 24 fps when the rate is unknown', () => {
    expect(durationTolerance(30)).toBeCloseTo(2 / 30 + 0.05, 6);
    expect(durationTolerance(Number.NaN)).toBeCloseTo(2 / 24 + 0.05, 6);
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
