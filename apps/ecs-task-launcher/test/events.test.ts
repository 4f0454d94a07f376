import { readFileSync } from 'node:fs';
import { S3EventNotificationEventBridgeSchema, S3Schema } from '@aws-lambda-powertools/parser/schemas/s3';
import { describe, expect, it } from 'vitest';
import { parseEvent } from '../src/request.ts';
import { sampleEvent } from './events.ts';

// The events of events/ (what the README points to, and what a console test event starts from)
// in AWS's shape, as the function reads them.
describe('sample events', () => {
  it('s3-object-created.json is an S3 notification (Parser S3Schema) of one upload, key decoded', () => {
    const event = sampleEvent('s3-object-created');
    expect(S3Schema.safeParse(event).success).toBe(true);
    expect(parseEvent(event)).toEqual({
      objects: [
        {
          bucket: 'amzn-s3-demo-bucket',
          key: 'uploads/my clip.mov',
          etag: 'b21b84d653bb07b05b1e6b33684dc11b',
          size: 1305107,
          sequencer: '0C0F6F405D6ED209E1',
        },
      ],
      ignored: [],
    });
  });

  it('eventbridge-object-created.json is an S3 "Object Created" EventBridge event, the same object', () => {
    const event = sampleEvent('eventbridge-object-created');
    expect(S3EventNotificationEventBridgeSchema.safeParse(event).success).toBe(true);
    expect(parseEvent(event).objects).toEqual([
      {
        bucket: 'amzn-s3-demo-bucket',
        key: 'uploads/my clip.mov',
        etag: 'b21b84d653bb07b05b1e6b33684dc11b',
        size: 1305107,
        sequencer: '617f08299329d189',
      },
    ]);
  });

  it('direct.json is a direct call without an ETag (the function reads it)', () => {
    expect(parseEvent(sampleEvent('direct')).objects).toEqual([
      { bucket: 'amzn-s3-demo-bucket', key: 'uploads/my clip.mov' },
    ]);
  });

  it('the README links each of them', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const name of ['s3-object-created', 'eventbridge-object-created', 'direct']) {
      expect(readme).toContain(`(events/${name}.json)`);
    }
  });
});
