// SPDX-License-Identifier: MIT-0
import { describe, expect, it } from 'vitest';
import { probeFixture } from '../test/fixtures/capture-probes.ts';
import { InvalidInputError } from './errors.ts';
import { type ProbeData, planRenditions, validateProbe } from './plan.ts';

const DEFAULT = [1080, 720, 480];

describe('planRenditions', () => {
  it('plans 1080p, 720p and 480p for a 16:9 1080p source', () => {
    expect(planRenditions({ width: 1920, height: 1080 }, DEFAULT)).toEqual([
      { name: '1080p', width: 1920, height: 1080 },
      { name: '720p', width: 1280, height: 720 },
      { name: '480p', width: 854, height: 480 },
    ]);
  });

  it('keeps a portrait source portrait: the short side names the rendition', () => {
    expect(planRenditions({ width: 1080, height: 1920 }, DEFAULT)).toEqual([
      { name: '1080p', width: 1080, height: 1920 },
      { name: '720p', width: 720, height: 1280 },
      { name: '480p', width: 480, height: 854 },
    ]);
  });

  it('keeps a 4:3 aspect ratio instead of stretching to 16:9', () => {
    expect(planRenditions({ width: 1440, height: 1080 }, [720])).toEqual([{ name: '720p', width: 960, height: 720 }]);
  });

  it('never upscales: a 720p source gets 720p and 480p only', () => {
    expect(planRenditions({ width: 1280, height: 720 }, DEFAULT).map((r) => r.name)).toEqual(['720p', '480p']);
  });

  it('gives a source smaller than every size one rendition at its own (even) size', () => {
    expect(planRenditions({ width: 640, height: 360 }, DEFAULT)).toEqual([{ name: '360p', width: 640, height: 360 }]);
    expect(planRenditions({ width: 321, height: 241 }, DEFAULT)).toEqual([{ name: '241p', width: 320, height: 240 }]);
  });

  it('makes both dimensions even for odd sizes and odd aspect ratios', () => {
    for (const [w, h] of [
      [1917, 1079],
      [1081, 1921],
      [1000, 999],
      [2560, 1097],
    ] as const) {
      for (const r of planRenditions({ width: w, height: h }, DEFAULT)) {
        expect(r.width % 2, `${w}x${h} -> ${r.width}x${r.height}`).toBe(0);
        expect(r.height % 2).toBe(0);
        expect(Math.max(r.width, r.height)).toBeLessThanOrEqual(Math.max(w, h) + 1);
        expect(Math.abs(r.width / r.height - w / h)).toBeLessThan(0.01);
      }
    }
  });

  it('sorts, de-duplicates and ignores sizes above the source', () => {
    expect(planRenditions({ width: 1920, height: 1080 }, [480, 2160, 720, 480]).map((r) => r.name)).toEqual([
      '720p',
      '480p',
    ]);
  });
});

// Real ffprobe 5.1 output of real clips, as the job's probe returns it
// (test/fixtures/capture-probes.ts), never hand-written: the parser must read what ffprobe prints.
const real = (name: string) => probeFixture(name) as ProbeData;

describe('validateProbe', () => {
  it('reads size, duration, frame rate and audio', () => {
    expect(validateProbe(real('landscape-1920x1080-ntsc'))).toEqual({
      width: 1920,
      height: 1080,
      durationSeconds: 2.002,
      hasAudio: true,
      videoCodec: 'h264',
      frameRate: 30000 / 1001,
    });
  });

  it.each(['rotated-90', 'rotated-270', 'rotated-minus-90'])(
    'swaps width and height for a source whose display matrix turns it a quarter (%s)',
    (name) => {
      const info = validateProbe(real(name));
      expect([info.width, info.height]).toEqual([240, 320]);
    },
  );

  it('keeps the coded size for a source turned upside down', () => {
    const info = validateProbe(real('rotated-180'));
    expect([info.width, info.height]).toEqual([320, 240]);
  });

  it('refuses audio only, cover art only, no duration, absurd sizes and too long sources', () => {
    expect(() => validateProbe(real('audio-only'))).toThrow(/no video stream/);
    expect(() => validateProbe(real('cover-art-only'))).toThrow(/no video stream/);
    expect(() => validateProbe(real('raw-h264-no-duration'))).toThrow(/duration/);
    expect(() => validateProbe(real('tiny-8x8'))).toThrow(/size 8x8/);
    expect(() => validateProbe(real('wide-8200x16'))).toThrow(/size 8200x16/);
    expect(() => validateProbe(real('landscape-1920x1080-ntsc'), { maxDurationSeconds: 1 })).toThrow(/limit/);
    expect(() => validateProbe(real('audio-only'))).toThrow(InvalidInputError);
  });
});
