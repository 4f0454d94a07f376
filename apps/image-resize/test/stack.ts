import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AddPermissionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { bundleLambda } from '@samples/build';
import { deployFunction } from '@samples/emulator/deploy';

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
      {
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:DeleteObject'],
        Resource: `arn:aws:s3:::${opts.bucket}/${opts.prefix}*`,
      },
    ],
  });
  await new LambdaClient({}).send(
    new AddPermissionCommand({
      FunctionName: opts.name,
      StatementId: 's3-invoke',
      Action: 'lambda:InvokeFunction',
      Principal: 's3.amazonaws.com',
      SourceArn: `arn:aws:s3:::${opts.bucket}`,
    }),
  );
  const s3 = new S3Client({});
  await s3.send(new CreateBucketCommand({ Bucket: opts.bucket }));
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: opts.bucket,
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [{ LambdaFunctionArn: arn, Events: ['s3:ObjectCreated:*'] }],
      },
    }),
  );
  return arn;
}
