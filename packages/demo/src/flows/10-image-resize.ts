import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { deleteFunction } from '@samples/emulator/deploy';
import { waitForKeys } from '@samples/emulator/waiters';
import { deployImageResize } from '@samples/image-resize/testing';
import sharp from 'sharp';
import type { Flow } from '../flow.ts';

/** image-resize: deployed with an S3 trigger; one generated 12 MP photo uploaded. */
export const flow: Flow = {
  workload: 'image-resize',
  input: '12 MP JPEG upload',
  async run(ctx) {
    const id = Date.now().toString(36);
    const name = `demo-image-resize-${id}`;
    const bucket = `demo-images-${id}`;
    ctx.progress('deploying the function and the bucket notification');
    await deployImageResize({ name, bucket, prefix: 'renditions/' });
    try {
      const s3 = new S3Client({});
      const photo = await sharp({
        create: { width: 4000, height: 3000, channels: 3, background: { r: 30, g: 120, b: 200 } },
      })
        .jpeg()
        .toBuffer();
      ctx.progress(`uploading s3://${bucket}/uploads/photo.jpg`);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'uploads/photo.jpg', Body: photo }));
      const keys = await waitForKeys(s3, bucket, 'renditions/', 6, { timeoutMs: 60_000 });
      for (const key of keys) {
        const body = await (
          await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
        ).Body!.transformToByteArray();
        writeFileSync(join(ctx.outDir, key.split('/').pop()!), body);
      }
      return `${keys.length} renditions (${keys.map((k) => k.split('/').pop()).join(', ')})`;
    } finally {
      await deleteFunction(name);
    }
  },
};
