import { manifestKey as transcoderManifestKey } from '@samples/transcoder/contract';
import { describe, expect, it } from 'vitest';
import { buildNotice, manifestKey, NotifyInput, noticeAttributes } from './notice.ts';

describe('manifestKey', () => {
  it('is where the transcoder writes its manifest', () => {
    for (const key of ['in/clip.mp4', 'a/b/c.d.mov', 'noext', 'dir.v2/file', 'x/.hidden']) {
      expect(manifestKey('processed', key)).toBe(transcoderManifestKey('processed', key));
      expect(manifestKey('/videos/', key)).toBe(transcoderManifestKey('videos', key));
    }
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
    const notice = buildNotice(NotifyInput.parse({ status: 'SUCCEEDED', ...base }), {
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

  it('refuses a completion without a manifest, and unknown statuses', () => {
    expect(() => buildNotice(NotifyInput.parse({ status: 'SUCCEEDED', ...base }))).toThrow(/manifest/);
    expect(() => NotifyInput.parse({ status: 'DONE', ...base })).toThrow();
  });
});
