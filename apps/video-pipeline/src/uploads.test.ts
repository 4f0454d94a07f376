// SPDX-License-Identifier: MIT-0
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { executionName, InvalidEventError, uploadsIn } from './uploads.ts';

/** An S3 notification record with every field AWS sends (Parser's S3Schema requires them). */
const record = (eventName: string, key: string, eTag = 'e1', sequencer = '0055AED6DCD90281E5') => ({
  eventVersion: '2.1',
  eventSource: 'aws:s3',
  awsRegion: 'us-east-1',
  eventTime: '2026-12-02T10:00:00.000Z',
  eventName,
  userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
  requestParameters: { sourceIPAddress: '198.51.100.7' },
  responseElements: { 'x-amz-request-id': 'D82B88E5F771F645', 'x-amz-id-2': 'example' },
  s3: {
    s3SchemaVersion: '1.0',
    configurationId: 'pipeline',
    bucket: { name: 'videos', ownerIdentity: { principalId: 'A3I5XTEXAMAI3E' }, arn: 'arn:aws:s3:::videos' },
    object: { key, eTag, size: 5, sequencer },
  },
});

const objectCreated = (object: Record<string, unknown>, detail: Record<string, unknown> = {}) => ({
  version: '0',
  id: '17793124-05d4-b198-2fde-7ededc63b103',
  'detail-type': 'Object Created',
  source: 'aws.s3',
  account: '111122223333',
  time: '2026-12-02T10:00:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:s3:::videos'],
  detail: {
    version: '0',
    bucket: { name: 'videos' },
    object,
    'request-id': 'N4N7GDK58NMKJ12R',
    requester: '111122223333',
    'source-ip-address': '198.51.100.7',
    reason: 'PutObject',
    ...detail,
  },
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
    const event = objectCreated({ key: 'a.mov', etag: 'e2', size: 9, sequencer: '617f08299329d189' });
    expect(uploadsIn(event).uploads).toEqual([
      { bucket: 'videos', key: 'a.mov', etag: 'e2', size: 9, sequencer: '617f08299329d189' },
    ]);
  });

  it('reads an event without a sequencer as one (every delivery of it is the same upload)', () => {
    const r = record('ObjectCreated:Put', 'a.mp4');
    const event = { Records: [{ ...r, s3: { ...r.s3, object: { key: 'a.mp4', eTag: 'e1', size: 5 } } }] };
    expect(uploadsIn(event).uploads).toEqual([{ bucket: 'videos', key: 'a.mp4', etag: 'e1', size: 5 }]);
  });

  it('reads uploads made over IPv6 (S3 dual-stack endpoints name that source address)', () => {
    const r = record('ObjectCreated:Put', 'a.mp4');
    const event = { Records: [{ ...r, requestParameters: { sourceIPAddress: '2001:db8::7' } }] };
    expect(uploadsIn(event).uploads).toHaveLength(1);
    const eb = objectCreated({ key: 'a.mov', etag: 'e2', size: 9 }, { 'source-ip-address': '2001:db8::7' });
    expect(uploadsIn(eb).uploads).toHaveLength(1);
  });

  it('refuses an S3 notification that lacks what AWS always sends, naming the field', () => {
    const r = record('ObjectCreated:Put', 'a.mp4');
    const { bucket: _, ...s3 } = r.s3;
    expect(() => uploadsIn({ Records: [{ ...r, s3 }] })).toThrow(
      /not a valid S3 event notification: Records\.0\.s3\.bucket/,
    );
  });

  it('refuses another EventBridge event, and anything else', () => {
    const deleted = { ...objectCreated({ key: 'a.mov' }), 'detail-type': 'Object Deleted' };
    expect(() => uploadsIn(deleted)).toThrow(/"Object Deleted" from aws\.s3/);
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
