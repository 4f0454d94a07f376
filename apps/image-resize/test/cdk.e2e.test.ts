import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { deployLocal, destroyLocal } from '@samples/cdk';
import type { Service } from '@samples/emulator';
import { describeWith, emulator, uniqueName } from '@samples/emulator/testing';
import { waitForKeys } from '@samples/emulator/waiters';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { photo } from './images.ts';

const PACKAGE_DIR = new URL('..', import.meta.url).pathname;

// The CDK stack itself, deployed into the emulator with the real CDK CLI: buckets, the
// function with sharp in its zip, CDK's bucket-notification custom resource (a Python
// function), the trigger's retries and on-failure queue. Then an upload through it.
// Custom resources run only where the backend's CloudFormation calls them (not LocalStack's community code).
const needs: Service[] = ['cloudformation', 'cloudformation-custom-resources', 'lambda', 's3', 'sqs', 'iam'];
describeWith(needs, 'image-resize CDK stack in the emulator', () => {
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

  it('resizes images uploaded under uploads/ into the renditions bucket, one set per source key', async () => {
    const s3 = new S3Client({});
    // cat.jpg and cat.png: different pictures whose keys differ only by extension.
    const sources = {
      'uploads/cat.jpg': await photo(1600, 1200),
      'uploads/cat.png': await sharp({ create: { width: 1600, height: 1200, channels: 3, background: '#1e78c8' } })
        .png()
        .toBuffer(),
    };
    for (const [Key, Body] of Object.entries(sources)) {
      await s3.send(new PutObjectCommand({ Bucket: outputs.UploadsBucket, Key, Body }));
    }
    const renditions = outputs.RenditionsBucket as string;
    const keys = await waitForKeys(s3, renditions, 'renditions/uploads/', 12, { timeoutMs: 60_000 });
    const names = ['1280w.jpg', '1280w.webp', '200w.jpg', '200w.webp', '640w.jpg', '640w.webp'];
    expect(keys.sort()).toEqual(Object.keys(sources).flatMap((k) => names.map((n) => `renditions/${k}/${n}`)));
    for (const n of names) {
      const etag = async (Key: string) => (await s3.send(new HeadObjectCommand({ Bucket: renditions, Key }))).ETag;
      expect(await etag(`renditions/uploads/cat.jpg/${n}`), n).not.toBe(await etag(`renditions/uploads/cat.png/${n}`));
    }
  });
});
