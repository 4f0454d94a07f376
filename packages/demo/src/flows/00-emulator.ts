import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Flow } from '../flow.ts';

/** The emulator itself: an object written to S3 and read back. */
export const flow: Flow = {
  workload: 'emulator',
  input: '1 KiB object',
  async run(ctx) {
    const s3 = new S3Client({});
    const bucket = `demo-${Date.now().toString(36)}`;
    const body = Buffer.alloc(1024, 'aws-compute-samples ');
    ctx.progress(`s3://${bucket}/hello.txt`);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'hello.txt', Body: body }));
    const got = Buffer.from(
      await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'hello.txt' }))).Body!.transformToByteArray(),
    );
    if (!got.equals(body)) throw new Error('S3 returned different bytes');
    writeFileSync(join(ctx.outDir, 'hello.txt'), got);
    return {
      summary: `round-tripped ${got.length} bytes`,
      blocks: [
        {
          kind: 'figures',
          title: 'S3 round trip',
          items: [{ key: 'bytes', label: 'bytes read back', value: got.length }],
        },
        { kind: 'files', title: 'Written', files: ['hello.txt'] },
      ],
    };
  },
};
