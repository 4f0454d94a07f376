// SPDX-License-Identifier: MIT-0
import { describe, expect, it } from 'vitest';
import { rejectionReason, sniffContainer } from './sniff.ts';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
const box = (size: number, type: string, rest = '') => bytes([0, 0, (size >> 8) & 255, size & 255], type, rest);

describe('sniffContainer', () => {
  it('tells containers apart by their magic bytes', () => {
    expect(sniffContainer(box(20, 'ftyp', 'isom\0\0\x02\0'))).toBe('mp4');
    expect(sniffContainer(box(20, 'ftyp', 'qt  \0\0\0\0'))).toBe('quicktime');
    expect(sniffContainer(box(8, 'wide', 'xxxxxxxx'))).toBe('quicktime');
    expect(sniffContainer(bytes([0x1a, 0x45, 0xdf, 0xa3], 'webm'))).toBe('matroska');
    expect(sniffContainer(bytes('RIFF', [1, 2, 3, 4], 'AVI LIST'))).toBe('avi');
    expect(sniffContainer(bytes([0, 0, 1, 0xba], 'pack'))).toBe('mpeg-ps');
    expect(sniffContainer(bytes('FLV', [1]))).toBe('flv');
    const ts = Buffer.alloc(188 * 3);
    for (const i of [0, 188, 376]) ts[i] = 0x47;
    expect(sniffContainer(ts)).toBe('mpeg-ts');
  });

  it('says nothing for text, images, or too few bytes', () => {
    expect(sniffContainer(Buffer.from('hello, this is not a video at all'))).toBeUndefined();
    expect(sniffContainer(bytes([0xff, 0xd8, 0xff, 0xe0], 'JFIF'))).toBeUndefined();
    expect(sniffContainer(bytes([0x89], 'PNG\r\n\x1a\n'))).toBeUndefined();
    expect(sniffContainer(new Uint8Array())).toBeUndefined();
    expect(sniffContainer(Buffer.from('ftyp'))).toBeUndefined();
  });
});

describe('rejectionReason', () => {
  const ok = { size: 1000, contentType: 'video/mp4', container: 'mp4' as const };
  const limits = { maxBytes: 10_000 };

  it('accepts a video with a video or generic content type, or none', () => {
    expect(rejectionReason(ok, limits)).toBeUndefined();
    expect(rejectionReason({ ...ok, contentType: 'application/octet-stream' }, limits)).toBeUndefined();
    expect(rejectionReason({ ...ok, contentType: 'Video/QuickTime; codecs=x' }, limits)).toBeUndefined();
    expect(rejectionReason({ ...ok, contentType: undefined }, limits)).toBeUndefined();
  });

  it('names the reason for each rejection', () => {
    expect(rejectionReason({ ...ok, size: 0 }, limits)).toBe('the object is empty');
    expect(rejectionReason({ ...ok, size: 10_001 }, limits)).toBe('the object is 10001 bytes, over the limit of 10000');
    expect(rejectionReason({ ...ok, contentType: 'text/plain' }, limits)).toBe(
      'content type text/plain is not a video',
    );
    expect(rejectionReason({ ...ok, container: undefined }, limits)).toMatch(/not a known video container/);
  });
});
