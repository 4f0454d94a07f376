import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { deployLocal, destroyLocal } from '@samples/cdk';
import { describeWith, emulator, uniqueName } from '@samples/emulator/testing';
import { waitForKeys } from '@samples/emulator/waiters';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { photo } from './images.ts';

const PACKAGE_DIR = new URL('..', import.meta.url).pathname;

// The CDK stack itself, deployed into the emulator with the real CDK CLI: buckets, the
// function with sharp in its zip, CDK's bucket-notification custom resource (a Python
// function), the trigger's retries and on-failure queue. Then an upload through it.
describeWith(['cloudformation', 'lambda', 's3', 'sqs', 'iam'], 'image-resize CDK stack in the emulator', () => {
  const stackName = `ImageResize-${uniqueName('cdk').replaceAll('-', '')}`.slice(0, 60);
  let outputs: Record<string, string>;
  let opts: Parameters<typeof deployLocal>[0];

  beforeAll(() => {
    const info = emulator();
    opts = { cwd: PACKAGE_DIR, env: { ...process.env, ...info.env }, stackName };
    outputs = deployLocal(opts);
  });
  afterAll(() => {
    if (outputs) destroyLocal(opts);
  });

  it('names its buckets in its outputs', () => {
    expect(Object.keys(outputs).sort()).toEqual(['RenditionsBucket', 'UploadsBucket']);
  });

  it('resizes an image uploaded under uploads/ into the renditions bucket', async () => {
    const s3 = new S3Client({});
    await s3.send(
      new PutObjectCommand({
        Bucket: outputs.UploadsBucket,
        Key: 'uploads/cat.jpg',
        Body: await photo(1600, 1200),
        ContentType: 'image/jpeg',
      }),
    );
    const keys = await waitForKeys(s3, outputs.RenditionsBucket as string, 'renditions/uploads/cat/', 6, {
      timeoutMs: 60_000,
    });
    expect(keys).toEqual([
      'renditions/uploads/cat/1280w.jpg',
      'renditions/uploads/cat/1280w.webp',
      'renditions/uploads/cat/200w.jpg',
      'renditions/uploads/cat/200w.webp',
      'renditions/uploads/cat/640w.jpg',
      'renditions/uploads/cat/640w.webp',
    ]);
  });
});
