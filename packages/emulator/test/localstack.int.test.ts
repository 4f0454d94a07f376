import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { bundleLambda } from '@samples/build';
import { getContainerRuntimeClient, ImageName } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAMBDA_LABEL } from '../src/containers.ts';
import { deployFunction, invoke } from '../src/deploy.ts';
import { type Emulator, LOCALSTACK_LOCAL_IMAGE, startEmulator } from '../src/index.ts';
import { uniqueName } from '../src/testing.ts';
import { waitForObject } from '../src/waiters.ts';

/**
 * The LocalStack backend on the community code built here (.ci/images/localstack/build.sh),
 * started beside this run's emulator: what the image replaces must behave as Lambda and
 * DynamoDB do on AWS. Skipped, saying why, where the image has not been built.
 */
const IMAGE = process.env.LOCALSTACK_TEST_IMAGE ?? LOCALSTACK_LOCAL_IMAGE;
const client = await getContainerRuntimeClient().catch(() => undefined);
const present = client ? await client.image.exists(ImageName.fromString(IMAGE)) : false;
const reason = client ? `image ${IMAGE} is not on this Docker host` : 'no Docker engine';
if (!present)
  console.warn(`[emulator] LocalStack image: skipped: ${reason} (.ci/images/localstack/build.sh builds it)`);

async function lambdaContainers(fn: string): Promise<string[]> {
  const c = await getContainerRuntimeClient();
  return (await c.container.list())
    .filter((x) => x.Labels?.[LAMBDA_LABEL] && x.Names?.some((n) => n.includes(fn)))
    .map((x) => x.Id);
}

describe.skipIf(!present)(
  `LocalStack community code built locally (${IMAGE})${present ? '' : ` [skipped: ${reason}]`}`,
  () => {
    let emulator: Emulator;
    const fn = uniqueName('ls-behaviour');
    const config = () => ({
      endpoint: emulator.endpoint,
      region: emulator.region,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const clients = () => ({ iam: new IAMClient(config()), lambda: new LambdaClient(config()) });

    beforeAll(async () => {
      emulator = await startEmulator({ ...process.env, AWS_EMULATOR: 'localstack', LOCALSTACK_IMAGE: IMAGE });
      const bundle = await bundleLambda({
        entry: fileURLToPath(new URL('./fixtures/behaviour-handler.ts', import.meta.url)),
        outdir: join(tmpdir(), fn),
      });
      await deployFunction({ name: fn, zip: bundle.zip, timeoutSeconds: 2 }, clients());
    });
    afterAll(() => emulator?.stop());

    it('starts without a token and never passes for LocalStack’s published image', () => {
      expect(emulator.backend).toBe('localstack');
      expect(emulator.notes).toContain('LocalStack 4.14.0 (unknown)');
      expect(emulator.notes.join('\n')).toMatch(
        /built locally from PyPI localstack-core, not LocalStack's published image/,
      );
      expect(emulator.notes.filter((n) => n.startsWith('replaced offline:'))).toHaveLength(3);
      expect(emulator.services).not.toEqual(expect.arrayContaining(['ecs']));
      expect(emulator.services).not.toContain('apigatewayv2');
    });

    it('runs a nodejs24.x function through the Runtime API, as its unprivileged user, with START/END/REPORT', async () => {
      // https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html : the runtime gets the request id,
      // the deadline and the function ARN from GET /runtime/invocation/next; AWS_LAMBDA_RUNTIME_API names it.
      const res = await invoke<Record<string, unknown>>(fn, { action: 'context' }, clients());
      expect(res.functionError, res.log).toBeUndefined();
      expect(res.payload).toMatchObject({ functionName: fn, runtimeApi: '127.0.0.1:9001', internal: [] });
      expect(res.payload.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.payload.remainingMs as number).toBeGreaterThan(0);
      expect(res.payload.remainingMs as number).toBeLessThanOrEqual(2_000);
      expect(res.payload.uid).not.toBe(0);
      expect(res.log).toMatch(new RegExp(`START RequestId: ${res.payload.requestId} Version: \\$LATEST`));
      expect(res.log).toContain('handler ran');
      expect(res.log).toMatch(/END RequestId: .*\nREPORT RequestId: .*Duration: [\d.]+ ms/);
    });

    it('reports a thrown error with its type and message (FunctionError Unhandled)', async () => {
      // https://docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html : errorType is the error's name.
      const res = await invoke<{ errorType: string; errorMessage: string }>(fn, { action: 'throw' }, clients());
      expect(res.functionError).toBe('Unhandled');
      expect(res.payload).toMatchObject({ errorType: 'OrderRejected', errorMessage: 'order o-1 has no lines' });
    });

    it('ends an invocation at the function timeout and serves the next one from a fresh runtime', async () => {
      // https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html : the invocation ends
      // with "Task timed out after N seconds" once the timeout is reached.
      const started = Date.now();
      const res = await invoke<{ errorMessage: string }>(fn, { action: 'sleep', ms: 10_000 }, clients());
      expect(res.functionError).toBe('Unhandled');
      expect(res.payload.errorMessage).toMatch(/Task timed out after 2\.00 seconds/);
      expect(Date.now() - started).toBeLessThan(8_000);
      const next = await invoke<{ wrote: string }>(fn, { action: 'tmp' }, clients());
      expect(next.functionError, next.log).toBeUndefined();
      expect(next.payload).toEqual({ wrote: '/tmp/probe.txt' });
    });

    it('runs a function that writes to S3 through AWS_ENDPOINT_URL, which LocalStack gives its containers', async () => {
      const name = uniqueName('ls-echo');
      const bundle = await bundleLambda({
        entry: fileURLToPath(new URL('./fixtures/echo-handler.ts', import.meta.url)),
        outdir: join(tmpdir(), name),
      });
      await deployFunction({ name, zip: bundle.zip }, clients());
      const s3 = new S3Client({ ...config(), forcePathStyle: true });
      const bucket = uniqueName('ls-out');
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      const res = await invoke<{ node: string }>(name, { bucket, key: 'k.json' }, clients());
      expect(res.functionError, res.log).toBeUndefined();
      expect(res.payload.node).toMatch(/^v24\./);
      expect(JSON.parse((await waitForObject(s3, bucket, 'k.json')).toString())).toEqual({ bucket, key: 'k.json' });
    });

    it('serves DynamoDB offline (moto), conditional writes included', async () => {
      // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html : a failed
      // ConditionExpression raises ConditionalCheckFailedException and writes nothing.
      // The DynamoDB JSON protocol by hand (this package has no DynamoDB client); LocalStack does not
      // check signatures, it reads the service and region from the headers.
      const ddb = async (op: string, body: unknown) => {
        const res = await fetch(emulator.endpoint, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-amz-json-1.0',
            'x-amz-target': `DynamoDB_20120810.${op}`,
            authorization: `AWS4-HMAC-SHA256 Credential=test/20261202/${emulator.region}/dynamodb/aws4_request, SignedHeaders=host, Signature=0`,
          },
          body: JSON.stringify(body),
        });
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      const table = uniqueName('ls-table');
      const created = await ddb('CreateTable', {
        TableName: table,
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      });
      expect(created.status, JSON.stringify(created.body)).toBe(200);
      const put = (v: string) =>
        ddb('PutItem', {
          TableName: table,
          Item: { id: { S: 'o-1' }, v: { S: v } },
          ConditionExpression: 'attribute_not_exists(id)',
        });
      expect((await put('first')).status).toBe(200);
      const second = await put('second');
      expect(second.status).toBe(400);
      expect(String(second.body.__type)).toMatch(/ConditionalCheckFailedException$/);
      const got = await ddb('GetItem', { TableName: table, Key: { id: { S: 'o-1' } } });
      expect((got.body.Item as Record<string, unknown>).v).toEqual({ S: 'first' });
    });

    it('leaves no Lambda containers behind once stopped', async () => {
      expect((await lambdaContainers(fn)).length).toBeGreaterThan(0);
      await emulator.stop();
      expect(await lambdaContainers(fn)).toEqual([]);
    });
  },
);
