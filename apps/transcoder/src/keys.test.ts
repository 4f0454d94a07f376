import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.ts';
import { InvalidInputError } from './errors.ts';
import { KeyTooLongError, manifestKey, renditionKey, stem } from './keys.ts';

describe('output keys', () => {
  it('puts renditions under {prefix}/{name}/ and the manifest under {prefix}/manifest/', () => {
    expect(renditionKey('processed', { name: '720p' }, 'uploads/2026/clip.mov')).toBe(
      'processed/720p/uploads/2026/clip.mp4',
    );
    expect(manifestKey('processed', 'uploads/2026/clip.mov')).toBe('processed/manifest/uploads/2026/clip.json');
  });

  it('strips only an extension of the last segment', () => {
    expect(stem('a.b/clip')).toBe('a.b/clip');
    expect(stem('dir/.hidden')).toBe('dir/.hidden');
    expect(stem('../../etc/passwd')).toBe('../../etc/passwd');
  });

  it('refuses an output key over 1024 bytes (e.g. a very long unicode key)', () => {
    const key = `${'ë'.repeat(510)}.mp4`;
    expect(() => renditionKey('processed', { name: '1080p' }, key)).toThrow(KeyTooLongError);
  });
});

describe('parseConfig', () => {
  const base = { INPUT_BUCKET: 'in-bucket', INPUT_KEY: 'a/clip.mp4', OUTPUT_BUCKET: 'out-bucket' };

  it('applies the defaults', () => {
    const c = parseConfig(base);
    expect(c.OUTPUT_PREFIX).toBe('processed');
    expect(c.RENDITIONS).toEqual([1080, 720, 480]);
    expect(c.CRF).toBe(23);
    expect(c.X264_PRESET).toBe('medium');
    expect(c.S3_FORCE_PATH_STYLE).toBe(false);
  });

  it('reads an output prefix, a rendition list and path-style addressing', () => {
    const c = parseConfig({
      ...base,
      OUTPUT_PREFIX: '/out/',
      RENDITIONS: '480p, 720 ,1080',
      S3_FORCE_PATH_STYLE: 'true',
    });
    expect(c.OUTPUT_PREFIX).toBe('out');
    expect(c.RENDITIONS).toEqual([1080, 720, 480]);
    expect(c.S3_FORCE_PATH_STYLE).toBe(true);
  });

  it('refuses a missing variable or a bad rendition list as invalid input', () => {
    expect(() => parseConfig({ INPUT_BUCKET: 'in-bucket', INPUT_KEY: 'k' })).toThrow(InvalidInputError);
    expect(() => parseConfig({ ...base, RENDITIONS: '720,abc' })).toThrow(/RENDITIONS/);
    expect(() => parseConfig({ ...base, X264_PRESET: 'fastest' })).toThrow(InvalidInputError);
  });
});
