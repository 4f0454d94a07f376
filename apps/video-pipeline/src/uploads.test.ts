// SPDX-License-Identifier: MIT-0
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { executionName, InvalidEventError, uploadsIn } from './uploads.ts';

const record = (eventName: string, key: string, eTag = 'e1', sequencer = '0055AED6DCD90281E5') => ({
  eventName,
  s3: { bucket: { name: 'videos' }, object: { key, eTag, size: 5, sequencer } },
});

describe('uploadsIn', () => {
  it('reads created objects, keys decoded, and ignores the rest', () => {
    const event = {
      Records: [
        record('ObjectCreated:Put', 'in/my+clip%21.mp4'),
        record('ObjectRemoved:Delete', 'in/old.mp4'),
        record('ObjectCreated:Put', 'in/folder/'),
      ],
    };
    expect(uploadsIn(event)).toEqual({
      uploads: [{ bucket: 'videos', key: 'in/my clip!.mp4', etag: 'e1', size: 5, sequencer: '0055AED6DCD90281E5' }],
      ignored: ['ObjectRemoved:Delete in/old.mp4', 'ObjectCreated:Put in/folder/'],
    });
  });

  it('reads an EventBridge "Object Created" event', () => {
    const event = {
      source: 'aws.s3',
      'detail-type': 'Object Created',
      detail: {
        bucket: { name: 'videos' },
        object: { key: 'a.mov', etag: 'e2', size: 9, sequencer: '617f08299329d189' },
      },
    };
    expect(uploadsIn(event).uploads).toEqual([
      { bucket: 'videos', key: 'a.mov', etag: 'e2', size: 9, sequencer: '617f08299329d189' },
    ]);
  });

  it('reads an event without a sequencer as one (every delivery of it is the same upload)', () => {
    const { s3 } = record('ObjectCreated:Put', 'a.mp4');
    const event = {
      Records: [{ eventName: 'ObjectCreated:Put', s3: { ...s3, object: { key: 'a.mp4', eTag: 'e1' } } }],
    };
    expect(uploadsIn(event).uploads).toEqual([{ bucket: 'videos', key: 'a.mp4', etag: 'e1', size: undefined }]);
  });

  it('refuses anything else', () => {
    expect(() => uploadsIn({ bucket: 'videos', key: 'a.mp4' })).toThrow(InvalidEventError);
  });
});

describe('executionName', () => {
  const upload = { bucket: 'videos', key: 'in/My Holiday (2026).mp4', etag: '"abc"' };

  it('is readable, valid for Step Functions, and at most 80 characters', () => {
    const name = executionName(upload);
    expect(name).toMatch(/^My-Holiday-2026-mp4-[0-9a-f]{32}$/);
    const long = executionName({ ...upload, key: `${'x'.repeat(500)}.mp4` });
    expect(long.length).toBeLessThanOrEqual(80);
    expect(long).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(executionName({ ...upload, key: 'in/日本.mp4' })).toMatch(/^mp4-[0-9a-f]{32}$/);
  });

  it('is the same for every delivery of one upload, and differs for a new upload of the key', () => {
    expect(executionName({ ...upload, etag: 'abc' })).toBe(executionName(upload));
    expect(executionName({ ...upload, etag: 'def' })).not.toBe(executionName(upload));
    expect(executionName({ ...upload, bucket: 'other' })).not.toBe(executionName(upload));
  });

  // S3 event notifications are delivered at least once, and each PUT or DELETE of a key carries a
  // `sequencer` (greater for the later event of that key): "Event message structure",
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html,
  // and `detail.object.sequencer` in EventBridge's "Object Created",
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html. The same bytes uploaded
  // again keep their ETag (single-part, SSE-S3: the MD5 of the data), so only the sequencer
  // tells the new PUT from a re-delivery of the old one.
  it('differs for the same bytes uploaded again (another sequencer), and is the same for a re-delivery', () => {
    const first = { ...upload, sequencer: '0055AED6DCD90281E5' };
    const again = { ...upload, sequencer: '0055AED6DCD90281F0' };
    expect(executionName(first)).toBe(executionName({ ...first, etag: 'abc' }));
    expect(executionName(again)).not.toBe(executionName(first));
    expect(executionName(first)).not.toBe(executionName(upload));
    expect(executionName(again)).toMatch(/^My-Holiday-2026-mp4-[0-9a-f]{32}$/);
    expect(executionName({ ...again, key: `${'x'.repeat(500)}.mp4` }).length).toBeLessThanOrEqual(80);
  });

  it('without a sequencer is what it always was: the hash of bucket, key and ETag', () => {
    const hash = createHash('sha256').update('videos\nin/My Holiday (2026).mp4\nabc').digest('hex').slice(0, 32);
    expect(executionName(upload)).toBe(`My-Holiday-2026-mp4-${hash}`);
    expect(executionName({ ...upload, sequencer: undefined })).toBe(`My-Holiday-2026-mp4-${hash}`);
  });
});
