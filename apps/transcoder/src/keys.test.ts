// SPDX-License-Identifier: MIT-0
import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.ts';
import { InvalidInputError } from './errors.ts';
import { KeyTooLongError, manifestKey, renditionKey } from './keys.ts';

describe('output keys', () => {
  it('keeps the whole source key: renditions under {prefix}/{name}/, the manifest under {prefix}/manifest/', () => {
    expect(renditionKey('processed', { name: '720p' }, 'uploads/2026/clip.mov')).toBe(
      'processed/720p/uploads/2026/clip.mov.mp4',
    );
    expect(manifestKey('processed', 'uploads/2026/clip.mov')).toBe('processed/manifest/uploads/2026/clip.mov.json');
  });

  it('never gives two sources the same output (clip.mov and clip.mp4 are two uploads)', () => {
    expect(renditionKey('processed', { name: '720p' }, 'uploads/clip.mov')).not.toBe(
      renditionKey('processed', { name: '720p' }, 'uploads/clip.mp4'),
    );
    expect(manifestKey('processed', 'uploads/clip.mov')).not.toBe(manifestKey('processed', 'uploads/clip.mp4'));
    expect(manifestKey('processed', 'a/clip')).not.toBe(manifestKey('processed', 'a/clip.json'));
  });

  it('writes odd keys back unchanged, as S3 keys (never file paths)', () => {
    expect(renditionKey('processed', { name: '240p' }, '../../etc/passwd')).toBe('processed/240p/../../etc/passwd.mp4');
    expect(manifestKey('processed', 'dir/.hidden')).toBe('processed/manifest/dir/.hidden.json');
  });

  it('refuses an output key over 1024 bytes (e.g. a very long unicode key)', () => {
    const key = `${'ë'.repeat(508)}.mp4`;
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
    expect(c.INPUT_ETAG).toBeUndefined();
  });

  it('reads the source ETag with or without its surrounding quotes, and an empty one as none', () => {
    expect(parseConfig({ ...base, INPUT_ETAG: 'd41d8cd98f00b204e9800998ecf8427e' }).INPUT_ETAG).toBe(
      'd41d8cd98f00b204e9800998ecf8427e',
    );
    expect(parseConfig({ ...base, INPUT_ETAG: '"0123456789abcdef0123456789abcdef-3"' }).INPUT_ETAG).toBe(
      '0123456789abcdef0123456789abcdef-3',
    );
    expect(parseConfig({ ...base, INPUT_ETAG: '' }).INPUT_ETAG).toBeUndefined();
    expect(() => parseConfig({ ...base, INPUT_ETAG: 'a"b' })).toThrow(/INPUT_ETAG/);
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
