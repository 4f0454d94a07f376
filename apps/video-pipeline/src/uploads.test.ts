import { describe, expect, it } from 'vitest';
import { executionName, InvalidEventError, uploadsIn } from './uploads.ts';

const record = (eventName: string, key: string, eTag = 'e1') => ({
  eventName,
  s3: { bucket: { name: 'videos' }, object: { key, eTag, size: 5 } },
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
      uploads: [{ bucket: 'videos', key: 'in/my clip!.mp4', etag: 'e1', size: 5 }],
      ignored: ['ObjectRemoved:Delete in/old.mp4', 'ObjectCreated:Put in/folder/'],
    });
  });

  it('reads an EventBridge "Object Created" event', () => {
    const event = {
      source: 'aws.s3',
      'detail-type': 'Object Created',
      detail: { bucket: { name: 'videos' }, object: { key: 'a.mov', etag: 'e2', size: 9 } },
    };
    expect(uploadsIn(event).uploads).toEqual([{ bucket: 'videos', key: 'a.mov', etag: 'e2', size: 9 }]);
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
});
