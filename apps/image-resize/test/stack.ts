import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { bundleLambda } from '@samples/build';
import { deployFunction, notifyOnUpload } from '@samples/emulator/deploy';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/**
 * Deploys image-resize into the emulator the way it runs on AWS: the bundled function
 * (sharp in the zip), a least-privilege role, and a bucket notification on `bucket`.
 * Renditions go to the same bucket under `prefix`.
 */
export async function deployImageResize(opts: {
  name: string;
  bucket: string;
  prefix: string;
  environment?: Record<string, string>;
}): Promise<string> {
  const bundle = await bundleLambda({
    entry: join(packageDir, 'src/handler.ts'),
    outdir: join(tmpdir(), opts.name),
    external: ['sharp'],
    resolveFrom: packageDir,
  });
  const arn = await deployFunction({
    name: opts.name,
    zip: bundle.zip,
    memoryMb: 2048,
    timeoutSeconds: 60,
    environment: { DEST_BUCKET: opts.bucket, DEST_PREFIX: opts.prefix, ...opts.environment },
    statements: [
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: `arn:aws:s3:::${opts.bucket}/*` },
      // Over the same keys as GetObject (the whole bucket here), so a missing key is 404, not 403.
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: `arn:aws:s3:::${opts.bucket}` },
      { Effect: 'Allow', Action: ['s3:PutObject'], Resource: `arn:aws:s3:::${opts.bucket}/${opts.prefix}*` },
    ],
  });
  await new S3Client({}).send(new CreateBucketCommand({ Bucket: opts.bucket }));
  await notifyOnUpload(opts.bucket, arn);
  return arn;
}
