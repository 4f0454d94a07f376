// SPDX-License-Identifier: MIT-0
import { describe, expect, it } from 'vitest';
import { buildNotice, Manifest, manifestKey, manifestMismatch, NotifyInput, noticeAttributes } from './notice.ts';

describe('manifestKey', () => {
  // Where the transcoder writes it (test/transcoder-contract.test.ts checks against its own rule).
  it('is where the transcoder writes its manifest', () => {
    expect(manifestKey('processed', 'in/clip.mp4')).toBe('processed/manifest/in/clip.mp4.json');
    expect(manifestKey('/videos/', 'a/b/c.d.mov')).toBe('videos/manifest/a/b/c.d.mov.json');
  });

  it('keeps the whole source key: clip.mov and clip.mp4 never share a manifest', () => {
    expect(manifestKey('processed', 'uploads/clip.mov')).toBe('processed/manifest/uploads/clip.mov.json');
    expect(manifestKey('processed', 'uploads/clip.mp4')).not.toBe(manifestKey('processed', 'uploads/clip.mov'));
  });
});

describe('manifestMismatch', () => {
  const manifest = (source: unknown) => Manifest.parse({ version: 2, source, renditions: [] });

  it("accepts the manifest of this upload's ETag, quoted or not", () => {
    expect(manifestMismatch(manifest({ etag: 'abc123' }), 'abc123')).toBeUndefined();
    expect(manifestMismatch(manifest({ etag: 'abc123' }), '"abc123"')).toBeUndefined();
  });

  it('refuses the manifest of another version of the object, and one that names no ETag', () => {
    expect(manifestMismatch(manifest({ etag: 'old1' }), 'new2')).toBe(
      "it describes the source version with ETag old1, not this upload's new2",
    );
    expect(manifestMismatch(manifest({ bucket: 'in' }), 'new2')).toMatch(/names no source ETag/);
    expect(manifestMismatch(Manifest.parse({ renditions: [] }), 'new2')).toMatch(/names no source ETag/);
  });
});

describe('buildNotice', () => {
  const base = { bucket: 'in', key: 'a.mp4', executionArn: 'arn:exec' };

  it('announces a completion with the manifest and its renditions', () => {
    const manifest = {
      renditions: [
        { name: '720p', bucket: 'out', key: 'p/720p/a.mp4', width: 1280, height: 720, bytes: 9, durationSeconds: 2 },
      ],
    };
    const notice = buildNotice(NotifyInput.parse({ status: 'SUCCEEDED', ...base, etag: 'e' }), {
      manifest,
      manifestLocation: { bucket: 'out', key: 'p/manifest/a.json' },
    });
    expect(notice).toEqual({
      eventType: 'VideoTranscoded',
      source: { bucket: 'in', key: 'a.mp4' },
      executionArn: 'arn:exec',
      manifest: { bucket: 'out', key: 'p/manifest/a.json' },
      renditions: manifest.renditions,
    });
    expect(noticeAttributes(notice)).toEqual({ eventType: { DataType: 'String', StringValue: 'VideoTranscoded' } });
  });

  it('announces a rejection with its reason, and a failure with its error (cause bounded)', () => {
    expect(buildNotice(NotifyInput.parse({ status: 'REJECTED', ...base, reason: 'empty' }))).toMatchObject({
      eventType: 'VideoRejected',
      reason: 'empty',
    });
    const failed = buildNotice(
      NotifyInput.parse({
        status: 'FAILED',
        ...base,
        error: { Error: 'States.TaskFailed', Cause: 'x'.repeat(10_000) },
      }),
    );
    expect(failed).toMatchObject({ eventType: 'VideoPipelineFailed', error: { error: 'States.TaskFailed' } });
    expect(failed.error?.cause).toHaveLength(4000);
  });

  it('refuses a completion without a manifest or without the ETag of the upload, and unknown statuses', () => {
    expect(() => buildNotice(NotifyInput.parse({ status: 'SUCCEEDED', ...base, etag: 'e' }))).toThrow(/manifest/);
    expect(() => NotifyInput.parse({ status: 'SUCCEEDED', ...base })).toThrow(/etag/);
    expect(() => NotifyInput.parse({ status: 'DONE', ...base })).toThrow();
  });
});
