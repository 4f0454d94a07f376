import { readFileSync } from 'node:fs';
import { S3Schema } from '@aws-lambda-powertools/parser/schemas/s3';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.ts';
import { decodeS3Key, planRenditions, recursionGuard } from '../src/plan.ts';

const raw = readFileSync(new URL('../events/s3-put.json', import.meta.url), 'utf8');
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('events/s3-put.json, the README sample event', () => {
  it('passes the Parser schema the handler uses, and its key decodes as S3 encodes it', () => {
    const event = S3Schema.parse(JSON.parse(raw));
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

  it('is the file the README links to', () => {
    expect(readme).toContain('](events/s3-put.json)');
  });
});
