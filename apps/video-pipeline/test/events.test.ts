import { readFileSync } from 'node:fs';
import { S3EventNotificationEventBridgeSchema, S3Schema } from '@aws-lambda-powertools/parser/schemas/s3';
import { describe, expect, it } from 'vitest';
import { NotifyInput } from '../src/notice.ts';
import { executionName, uploadsIn } from '../src/uploads.ts';
import { sampleEvent } from './events.ts';

// The events of events/ (what the README points to, and what a console test event starts from),
// as each function reads them: the two AWS events in Parser's schemas, the state machine's own inputs.
describe('sample events', () => {
  const upload = {
    bucket: 'amzn-s3-demo-bucket',
    key: 'uploads/my clip.mp4',
    etag: 'b21b84d653bb07b05b1e6b33684dc11b',
    size: 1305107,
  };

  it('s3-object-created.json is an S3 notification (Parser S3Schema) of one upload, key decoded', () => {
    const event = sampleEvent('s3-object-created');
    expect(S3Schema.safeParse(event).success).toBe(true);
    expect(uploadsIn(event)).toEqual({ uploads: [{ ...upload, sequencer: '0C0F6F405D6ED209E1' }], ignored: [] });
  });

  it('eventbridge-object-created.json is an S3 "Object Created" EventBridge event of the same upload', () => {
    const event = sampleEvent('eventbridge-object-created');
    expect(S3EventNotificationEventBridgeSchema.safeParse(event).success).toBe(true);
    const [fromEventBridge] = uploadsIn(event).uploads;
    expect(fromEventBridge).toEqual({ ...upload, sequencer: '617f08299329d189' });
    // Another sequencer (each delivery path numbers its own): another execution name.
    const [fromS3] = uploadsIn(sampleEvent('s3-object-created')).uploads;
    expect(fromEventBridge && fromS3 && executionName(fromEventBridge)).not.toBe(fromS3 && executionName(fromS3));
  });

  it('validate.json is the execution input the trigger gives that upload', () => {
    expect(sampleEvent('validate')).toEqual({ ...upload, sequencer: '0C0F6F405D6ED209E1' });
  });

  it.each(['notify-succeeded', 'notify-rejected', 'notify-failed'])('%s.json is a Notify input', (name) => {
    const input = NotifyInput.parse(sampleEvent(name));
    expect(name).toBe(`notify-${input.status === 'SUCCEEDED' ? 'succeeded' : input.status.toLowerCase()}`);
  });

  it('are the files the README links to', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const name of [
      's3-object-created',
      'eventbridge-object-created',
      'validate',
      'notify-succeeded',
      'notify-rejected',
      'notify-failed',
    ]) {
      expect(readme).toContain(`(events/${name}.json)`);
    }
  });
});
