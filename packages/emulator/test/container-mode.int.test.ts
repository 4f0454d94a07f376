import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { bundleLambda } from '@samples/build';
import { getContainerRuntimeClient, ImageName } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployFunction, invoke } from '../src/deploy.ts';
import { type Emulator, MINISTACK_VERSION, startEmulator } from '../src/index.ts';
import { uniqueName } from '../src/testing.ts';
import { waitFor, waitForObject } from '../src/waiters.ts';

/**
 * The ministack backend's container mode, started beside this run's emulator. Hosts
 * that can pull use ministackorg/ministack; CI builds the same release as
 * aws-compute-samples/ministack (.ci/provision.sh) because it cannot pull.
 */
const IMAGE = process.env.MINISTACK_TEST_IMAGE ?? `aws-compute-samples/ministack:${MINISTACK_VERSION}`;
const client = await getContainerRuntimeClient().catch(() => undefined);
const present = client ? await client.image.exists(ImageName.fromString(IMAGE)) : false;
const reason = client ? `image ${IMAGE} is not on this Docker host` : 'no Docker engine';
if (!present) console.warn(`[emulator] ministack container mode: skipped: ${reason} (.ci/provision.sh builds it)`);

describe.skipIf(!present)(`ministack container mode (${IMAGE})${present ? '' : ` [skipped: ${reason}]`}`, () => {
  let emulator: Emulator;
  let s3: S3Client;
  const config = () => ({
    endpoint: emulator.endpoint,
    region: emulator.region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });

  beforeAll(async () => {
    emulator = await startEmulator({
      ...process.env,
      AWS_EMULATOR: 'ministack',
      MINISTACK_MODE: 'container',
      MINISTACK_IMAGE: IMAGE,
    });
    s3 = new S3Client({ ...config(), forcePathStyle: true });
  });
  afterAll(() => emulator?.stop());

  it('starts through testcontainers and says so', () => {
    expect(emulator.backend).toBe('ministack');
    expect(emulator.description).toBe(`ministack container (${IMAGE}, local image)`);
    expect(emulator.services).toContain('ecs');
  });

  it('runs the repository init hooks, mounted as localstack/compose.yaml mounts them', async () => {
    const hooks = readdirSync(fileURLToPath(new URL('../../../localstack/init/ready.d', import.meta.url)));
    const state = await waitFor('ministack to finish its ready.d hooks', async () => {
      const res = await fetch(`${emulator.endpoint}/_ministack/ready`);
      return res.status === 200 ? ((await res.json()) as Record<string, unknown>) : undefined;
    });
    expect(state).toMatchObject({ status: 'completed', total: hooks.length, completed: hooks.length });
  });

  it('runs a Node 24 Lambda function that writes to S3', async () => {
    const name = uniqueName('cm-echo');
    const bundle = await bundleLambda({
      entry: fileURLToPath(new URL('./fixtures/echo-handler.ts', import.meta.url)),
      outdir: join(tmpdir(), name),
    });
    const clients = { iam: new IAMClient(config()), lambda: new LambdaClient(config()) };
    const bucket = uniqueName('cm-out');
    const statements = [{ Effect: 'Allow' as const, Action: ['s3:PutObject'], Resource: [`arn:aws:s3:::${bucket}/*`] }];
    await deployFunction({ name, zip: bundle.zip, statements }, clients);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const res = await invoke<{ node: string }>(name, { bucket, key: 'k.json' }, clients);
    expect(res.functionError, res.log).toBeUndefined();
    expect(res.payload.node).toMatch(/^v24\./);
    expect(JSON.parse((await waitForObject(s3, bucket, 'k.json')).toString())).toEqual({ bucket, key: 'k.json' });
  });
});
