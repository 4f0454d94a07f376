// SPDX-License-Identifier: MIT-0
import { describe, expect, it } from 'vitest';
import { buildManifest } from './manifest.ts';

const source = {
  bucket: 'videos',
  key: 'uploads/clip.mov',
  etag: '9b2cf535f27731c974343645a3985328',
  bytes: 1234,
  width: 1280,
  height: 720,
  durationSeconds: 2,
  hasAudio: false,
  videoCodec: 'h264',
  frameRate: 30,
};

describe('buildManifest', () => {
  it('is version 2 and names the source version it describes by its ETag, without quotes as in S3 events', () => {
    // GetObject returns the ETag quoted ("…"); S3 event records carry it bare (object.eTag).
    const manifest = buildManifest({
      source: { ...source, etag: `"${source.etag}"` },
      outputBucket: 'renditions',
      outputs: [],
      encode: { preset: 'medium', crf: 23 },
      now: new Date('2026-12-02T00:00:00Z'),
    });
    expect(manifest.version).toBe(2);
    expect(manifest.source).toEqual(source);
  });
});
