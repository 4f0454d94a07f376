import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { bundleLambda } from '@samples/build';
import { afterAll, expect, it } from 'vitest';
import { deleteFunction, deployFunction, invoke } from '../src/deploy.ts';
import { describeWith, emulator, uniqueName } from '../src/testing.ts';
import { waitForObject } from '../src/waiters.ts';

const name = uniqueName('echo');

describeWith(['lambda', 's3'], 'a bundled Node 24 function deployed into the emulator', () => {
  afterAll(() => deleteFunction(name));

  it('runs on nodejs24.x and reaches the emulator through AWS_ENDPOINT_URL', async () => {
    emulator();
    const bundle = await bundleLambda({
      entry: fileURLToPath(new URL('./fixtures/echo-handler.ts', import.meta.url)),
      outdir: join(tmpdir(), name),
    });
    const bucket = uniqueName('echo-out');
    // Its role may write that bucket and nothing else: where IAM is enforced, that is all it can do.
    const statements = [{ Effect: 'Allow' as const, Action: ['s3:PutObject'], Resource: [`arn:aws:s3:::${bucket}/*`] }];
    await deployFunction({ name, zip: bundle.zip, environment: {}, statements });
    const s3 = new S3Client({});
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const res = await invoke<{ node: string; wrote: string; runtimeEnv: Record<string, string | undefined> }>(name, {
      bucket,
      key: 'out/event.json',
    });
    expect(res.functionError).toBeUndefined();
    expect(res.payload.node).toMatch(/^v24\./);
    // What Lambda sets in every function (developer guide, "Defined runtime environment
    // variables"): Powertools reads them to know it runs in Lambda and on a cold start.
    // (LocalStack's runtime names itself AWS_Lambda_rapid.)
    expect(res.payload.runtimeEnv).toEqual({
      AWS_EXECUTION_ENV: expect.stringMatching(/^AWS_Lambda_/),
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    });
    const body = await waitForObject(s3, bucket, 'out/event.json');
    expect(JSON.parse(body.toString())).toEqual({ bucket, key: 'out/event.json' });
  });
});

describeWith(['sagemaker-runtime'], 'a suite that needs SageMaker', () => {
  it('is skipped on the free backends, its title saying why', () => {
    expect.unreachable('no free backend serves sagemaker-runtime');
  });
});
