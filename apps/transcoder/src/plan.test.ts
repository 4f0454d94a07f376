// SPDX-License-Identifier: MIT-0
import { describe, expect, it } from 'vitest';
import { planRenditions } from './plan.ts';

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
