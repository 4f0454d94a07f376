import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.ts';
import { S3EventSchema } from '../src/event.ts';
import { decodeS3Key, planRenditions, recursionGuard } from '../src/plan.ts';

const raw = readFileSync(new URL('../events/s3-put.json', import.meta.url), 'utf8');
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('events/s3-put.json, the README sample event', () => {
  it('passes the Parser schema the handler uses, and its key decodes as S3 encodes it', () => {
    const event = S3EventSchema.parse(JSON.parse(raw));
    const [record] = event.Records;
    expect(record?.eventName).toBe('ObjectCreated:Put');
    const key = decodeS3Key(record?.s3.object.key ?? '');
    expect(key).toBe('uploads/summer day.jpg');
    const config = parseConfig({ DEST_BUCKET: 'my-renditions' });
    expect(recursionGuard(record?.s3.bucket.name ?? '', key, config)).toBeUndefined();
    expect(planRenditions({ width: 1600, height: 1200, key }, config).map((r) => r.key)).toContain(
      'renditions/uploads/summer day.jpg/640w.webp',
    );
  });

  it('passes with the address of an upload made over IPv6 (S3 dual-stack endpoints)', () => {
    const event = JSON.parse(raw);
    event.Records[0].requestParameters.sourceIPAddress = '2001:db8::8a2e:370:7334';
    expect(S3EventSchema.safeParse(event).success).toBe(true);
  });

  it('is the file the README links to', () => {
    expect(readme).toContain('](events/s3-put.json)');
  });
});
