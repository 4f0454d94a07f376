// SPDX-License-Identifier: MIT-0
import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.ts';
import { RejectedInput } from './errors.ts';
import {
  decodeS3Key,
  displaySize,
  MAX_KEY_BYTES,
  planRenditions,
  recursionGuard,
  renditionKey,
  renditionKeyProblem,
} from './plan.ts';

const config = parseConfig({ DEST_BUCKET: 'out' });

describe('parseConfig', () => {
  it('has the documented defaults', () => {
    expect(config).toMatchObject({
      destBucket: 'out',
      destPrefix: 'renditions/',
      widths: [1280, 640, 200],
      formats: ['jpeg', 'webp'],
      quality: 80,
      maxInputBytes: 25 * 1024 * 1024,
      maxInputPixels: 50_000_000,
    });
  });
  it('reads lists, dedupes and sorts widths, adds the prefix slash', () => {
    const c = parseConfig({ DEST_BUCKET: 'out', WIDTHS: '200, 800,200', FORMATS: 'WEBP,avif', DEST_PREFIX: 'r' });
    expect(c).toMatchObject({ widths: [800, 200], formats: ['webp', 'avif'], destPrefix: 'r/' });
  });
  it('says what is wrong', () => {
    expect(() => parseConfig({})).toThrow(/DEST_BUCKET/);
    expect(() => parseConfig({ DEST_BUCKET: 'out', FORMATS: 'gif' })).toThrow(/FORMATS/);
    expect(() => parseConfig({ DEST_BUCKET: 'out', WIDTHS: 'wide' })).toThrow(/WIDTHS must be whole numbers/);
    expect(() => parseConfig({ DEST_BUCKET: 'out', WIDTHS: '9' })).toThrow(/WIDTHS/);
  });
});

describe('decodeS3Key', () => {
  it('decodes + as space, %XX and unicode as S3 event keys are encoded', () => {
    expect(decodeS3Key('my+photos/summer+day%2B1.jpg')).toBe('my photos/summer day+1.jpg');
    expect(decodeS3Key('%E5%86%99%E7%9C%9F/caf%C3%A9.png')).toBe('写真/café.png');
  });
});

describe('planRenditions', () => {
  it('landscape: every width x format, aspect kept', () => {
    const plan = planRenditions({ width: 4000, height: 3000, key: 'a/b.jpg' }, config);
    expect(plan.map((r) => `${r.width}x${r.height}.${r.format}`)).toEqual([
      '1280x960.jpeg',
      '1280x960.webp',
      '640x480.jpeg',
      '640x480.webp',
      '200x150.jpeg',
      '200x150.webp',
    ]);
    expect(plan[1]).toMatchObject({ key: 'renditions/a/b.jpg/1280w.webp', contentType: 'image/webp' });
  });
  it('portrait and never upscaled', () => {
    const plan = planRenditions({ width: 900, height: 1600, key: 'p.png' }, config);
    expect([...new Set(plan.map((r) => `${r.width}x${r.height}`))]).toEqual(['640x1138', '200x356']);
  });
  it('a source narrower than every width gets one rendition at its own size', () => {
    const plan = planRenditions({ width: 120, height: 80, key: 'tiny.gif' }, config);
    expect(plan.map((r) => `${r.width}x${r.height}`)).toEqual(['120x80', '120x80']);
  });
});

describe('renditionKey', () => {
  it('keeps the whole source key, so sources differing only by extension never share outputs', () => {
    expect(renditionKey('renditions/', 'photos/cat.jpg', 640, 'webp')).toBe('renditions/photos/cat.jpg/640w.webp');
    expect(renditionKey('renditions/', 'photos/cat.png', 640, 'webp')).toBe('renditions/photos/cat.png/640w.webp');
    expect(renditionKey('r/', 'x/y.z/photo.final.JPG', 640, 'jpeg')).toBe('r/x/y.z/photo.final.JPG/640w.jpg');
    expect(renditionKey('', 'noext', 200, 'avif')).toBe('noext/200w.avif');
  });
});

describe('planRenditions and format limits', () => {
  it('rejects a rendition taller than its format can encode, before any encoding', () => {
    // sharp refuses WebP above 16383 px a side ("Processed image is too large for the WebP format"):
    // a 100x20000 strip gets one 100-wide rendition 20000 high. No retry can change that.
    expect(() => planRenditions({ width: 100, height: 20_000, key: 'strip.png' }, config)).toThrow(RejectedInput);
    expect(() => planRenditions({ width: 100, height: 20_000, key: 'strip.png' }, config)).toThrow(
      /100x20000 .*too large for webp.*16383/,
    );
    const jpegOnly = { ...config, formats: ['jpeg' as const] };
    expect(planRenditions({ width: 100, height: 20_000, key: 'strip.png' }, jpegOnly)).toHaveLength(1);
  });
});

describe('renditionKeyProblem', () => {
  // S3 object keys are at most 1,024 bytes of UTF-8, prefix and delimiters included
  // (Amazon S3 User Guide, "Naming Amazon S3 objects").
  it("names the longest rendition key when it would exceed S3's 1024-byte limit", () => {
    const longest = (key: string) => Buffer.byteLength(renditionKey(config.destPrefix, key, 1280, 'webp'));
    const fits = `uploads/${'a'.repeat(MAX_KEY_BYTES - longest('uploads/'))}`;
    expect(longest(fits)).toBe(MAX_KEY_BYTES);
    expect(renditionKeyProblem(fits, config)).toBeUndefined();
    expect(renditionKeyProblem(`${fits}b`, config)).toMatch(/1025 bytes.*1024/);
    // Bytes, not characters: é is two bytes in UTF-8.
    expect(renditionKeyProblem(`${fits.slice(0, -1)}é`, config)).toMatch(/1025 bytes/);
  });
});

describe('recursionGuard', () => {
  it('skips keys under the output prefix of the destination bucket only', () => {
    expect(recursionGuard('out', 'renditions/a/640w.jpg', config)).toMatch(/output prefix/);
    expect(recursionGuard('out', 'uploads/a.jpg', config)).toBeUndefined();
    expect(recursionGuard('in', 'renditions/a.jpg', config)).toBeUndefined();
    expect(recursionGuard('out', 'a.jpg', { ...config, destPrefix: '' })).toMatch(/DEST_PREFIX is empty/);
  });
});

describe('displaySize', () => {
  it('swaps width and height for EXIF orientations 5 to 8', () => {
    expect(displaySize({ width: 400, height: 300, orientation: 6 })).toEqual({ width: 300, height: 400 });
    expect(displaySize({ width: 400, height: 300, orientation: 3 })).toEqual({ width: 400, height: 300 });
  });
});
