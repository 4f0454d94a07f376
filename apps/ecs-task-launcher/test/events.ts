import { readFileSync } from 'node:fs';

/** A sample event of events/, parsed. */
export function sampleEvent(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../events/${name}.json`, import.meta.url), 'utf8'));
}

interface S3Record {
  s3: { bucket: { name: string; arn: string }; object: Record<string, unknown> };
  [field: string]: unknown;
}

/** An S3 notification in AWS's shape (events/s3-object-created.json), one record per object. */
export function s3Notification(
  objects: { bucket: string; key: string; eTag?: string; size?: number; sequencer?: string }[],
  eventName = 'ObjectCreated:Put',
): { Records: S3Record[] } {
  const [sample] = (sampleEvent('s3-object-created') as { Records: S3Record[] }).Records;
  if (!sample) throw new Error('events/s3-object-created.json has no record');
  return {
    Records: objects.map(({ bucket, key, ...object }) => ({
      ...sample,
      eventName,
      s3: {
        ...sample.s3,
        bucket: { ...sample.s3.bucket, name: bucket, arn: `arn:aws:s3:::${bucket}` },
        object: { key, ...object },
      },
    })),
  };
}
