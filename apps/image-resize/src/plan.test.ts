import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.ts';
import { asRejection, RejectedInput } from './errors.ts';
import { decodeS3Key, displaySize, planRenditions, recursionGuard, renditionKey } from './plan.ts';

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
    expect(plan[1]).toMatchObject({ key: 'renditions/a/b/1280w.webp', contentType: 'image/webp' });
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
  it('drops only the last extension', () => {
    expect(renditionKey('r/', 'x/y.z/photo.final.JPG', 640, 'jpeg')).toBe('r/x/y.z/photo.final/640w.jpg');
    expect(renditionKey('', 'noext', 200, 'avif')).toBe('noext/200w.avif');
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

describe('asRejection', () => {
  it('turns decoder errors into rejections and leaves others to be retried', () => {
    expect(asRejection(new Error('Input buffer contains unsupported image format'))).toBeInstanceOf(RejectedInput);
    expect(asRejection(new Error('Input image exceeds pixel limit'))).toBeInstanceOf(RejectedInput);
    expect(asRejection(new Error('socket hang up'))).toBeUndefined();
  });
});
