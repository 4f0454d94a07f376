import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { waitForKeys } from '@samples/emulator/waiters';
import { deployImageResize } from '@samples/image-resize/testing';
import sharp from 'sharp';
import type { Flow } from '../flow.ts';
import { imageItem } from '../media.ts';

/** image-resize: its CDK stack (uploads and renditions buckets, function, S3 trigger); one generated 12 MP photo uploaded. */
export const flow: Flow = {
  workload: 'image-resize',
  input: '12 MP JPEG upload',
  // The trigger is CDK's bucket-notification custom resource.
  needs: ['cloudformation', 'cloudformation-custom-resources', 'lambda', 's3', 'sqs'],
  async run(ctx) {
    ctx.progress('deploying the CDK stack: buckets, function, S3 trigger');
    const stack = await deployImageResize(`demo-${Date.now().toString(36)}`);
    try {
      const s3 = new S3Client({});
      const photo = await sharp({
        create: { width: 4000, height: 3000, channels: 3, background: { r: 30, g: 120, b: 200 } },
      })
        .jpeg()
        .toBuffer();
      writeFileSync(join(ctx.outDir, 'photo.jpg'), photo);
      ctx.progress(`uploading s3://${stack.uploadsBucket}/uploads/photo.jpg`);
      await s3.send(new PutObjectCommand({ Bucket: stack.uploadsBucket, Key: 'uploads/photo.jpg', Body: photo }));
      const keys = await waitForKeys(s3, stack.renditionsBucket, 'renditions/', 6, { timeoutMs: 60_000 });
      const renditions = [];
      for (const key of keys) {
        const body = await (
          await s3.send(new GetObjectCommand({ Bucket: stack.renditionsBucket, Key: key }))
        ).Body!.transformToByteArray();
        const file = key.split('/').pop()!;
        writeFileSync(join(ctx.outDir, file), body);
        renditions.push(await imageItem(ctx.outDir, file, true, key));
      }
      return {
        summary: `${keys.length} renditions in s3://${stack.renditionsBucket} (${keys.map((k) => k.split('/').pop()).join(', ')})`,
        blocks: [
          {
            kind: 'images',
            title: 'Upload',
            items: [await imageItem(ctx.outDir, 'photo.jpg', false, 'uploads/photo.jpg')],
          },
          { kind: 'images', title: `Renditions in s3://${stack.renditionsBucket}`, items: renditions },
        ],
      };
    } finally {
      await stack.destroy();
    }
  },
};
