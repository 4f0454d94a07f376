import { readFileSync } from 'node:fs';
import type { S3Event } from '@aws-lambda-powertools/parser/types';

const SAMPLE = readFileSync(new URL('../events/s3-put.json', import.meta.url), 'utf8');

/** The README's sample event (the shape S3 sends) for one object, its key encoded as S3 encodes it. */
export function s3Event(bucket: string, key: string): S3Event {
  const event = JSON.parse(SAMPLE) as S3Event;
  for (const r of event.Records) {
    r.s3.bucket.name = bucket;
    r.s3.bucket.arn = `arn:aws:s3:::${bucket}`;
    r.s3.object.key = encodeURIComponent(key).replace(/%20/g, '+');
  }
  return event;
}
