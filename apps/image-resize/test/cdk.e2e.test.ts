import { GetFunctionCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { deployLocal, destroyLocal } from '@samples/cdk';
import type { Service } from '@samples/emulator';
import { allows, removeStatements } from '@samples/emulator/deploy';
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

  beforeAll(async () => {
    const info = emulator();
    opts = { cwd: PACKAGE_DIR, env: { ...process.env, ...info.env }, stackName };
    outputs = await deployLocal(opts);
  });
  afterAll(async () => {
    if (outputs) await destroyLocal(opts);
  });

  it('names its buckets in its outputs', () => {
    expect(Object.keys(outputs).sort()).toEqual([
      'FailedEventsQueueUrl',
      'RenditionsBucket',
      'ResizeFunctionName',
      'UploadsBucket',
    ]);
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

  // The shipped role is what lets the flow work: without its PutObject statement the same upload
  // fails with AccessDenied, as on AWS, and works again once the statement is back.
  describeWith(['iam-enforcement'], 'with a statement removed from its role', () => {
    it('fails the upload with AccessDenied and writes nothing; works again once the statement is back', async () => {
      const s3 = new S3Client({});
      const lambda = new LambdaClient({});
      const fn = await lambda.send(new GetFunctionCommand({ FunctionName: outputs.ResizeFunctionName }));
      const roleName = (fn.Configuration?.Role ?? '').split('/').pop() as string;
      const uploads = outputs.UploadsBucket as string;
      const renditions = outputs.RenditionsBucket as string;
      // The event S3 sends for the upload, delivered synchronously so the function's answer is seen.
      const deliver = async (key: string) => {
        await s3.send(new PutObjectCommand({ Bucket: uploads, Key: key, Body: await photo(1600, 1200) }));
        const event = {
          Records: [
            {
              eventSource: 'aws:s3',
              eventName: 'ObjectCreated:Put',
              s3: { bucket: { name: uploads }, object: { key, size: 0 } },
            },
          ],
        };
        const res = await lambda.send(
          new InvokeCommand({ FunctionName: outputs.ResizeFunctionName, Payload: JSON.stringify(event) }),
        );
        return { error: res.FunctionError, payload: new TextDecoder().decode(res.Payload) };
      };
      const denied = await removeStatements(roleName, allows('s3:PutObject'));
      try {
        const answer = await deliver('uploads/denied.jpg');
        expect(answer.error).toBe('Unhandled');
        // AWS's message for an IAM denial, as the function's error.
        expect(answer.payload).toMatch(/is not authorized to perform: s3:PutObject/);
        const listed = await s3.send(
          new ListObjectsV2Command({ Bucket: renditions, Prefix: 'renditions/uploads/denied.jpg/' }),
        );
        expect(listed.KeyCount ?? 0).toBe(0);
      } finally {
        await denied.restore();
      }
      const allowed = await deliver('uploads/allowed.jpg');
      expect(allowed.error, allowed.payload).toBeUndefined();
      expect(JSON.parse(allowed.payload)).toEqual({ results: [{ key: 'uploads/allowed.jpg', outcome: 'resized' }] });
      expect(await waitForKeys(s3, renditions, 'renditions/uploads/allowed.jpg/', 6)).toHaveLength(6);
    });

    // S3 answers a missing key with 404 only to a caller that may list the bucket, else 403
    // (GetObject API reference, "Permissions"). The shipped role lists, so an upload deleted before
    // its event arrives is skipped; without s3:ListBucket the same event fails, and Lambda retries it.
    it('skips an upload that no longer exists; without s3:ListBucket S3 says AccessDenied and the event fails', async () => {
      const lambda = new LambdaClient({});
      const fn = await lambda.send(new GetFunctionCommand({ FunctionName: outputs.ResizeFunctionName }));
      const roleName = (fn.Configuration?.Role ?? '').split('/').pop() as string;
      const key = 'uploads/deleted-before-its-event.jpg';
      const deliver = async () => {
        const event = {
          Records: [
            {
              eventSource: 'aws:s3',
              eventName: 'ObjectCreated:Put',
              s3: { bucket: { name: outputs.UploadsBucket }, object: { key, size: 0 } },
            },
          ],
        };
        const res = await lambda.send(
          new InvokeCommand({
            FunctionName: outputs.ResizeFunctionName,
            Payload: JSON.stringify(event),
            LogType: 'Tail',
          }),
        );
        return {
          error: res.FunctionError,
          payload: new TextDecoder().decode(res.Payload),
          log: Buffer.from(res.LogResult ?? '', 'base64').toString('utf8'),
        };
      };
      const shipped = await deliver();
      expect(shipped.error, shipped.payload).toBeUndefined();
      expect(JSON.parse(shipped.payload)).toEqual({ results: [{ key, outcome: 'skipped' }] });

      const unlisted = await removeStatements(roleName, allows('s3:ListBucket'));
      try {
        const denied = await deliver();
        expect(denied.error, denied.payload).toBe('Unhandled');
        // HeadObject's 403 has no body, so the SDK's error carries only the status; the handler
        // rethrows it (the tail of its log line, the last 4 KB, is what LogResult holds).
        expect(denied.log).toMatch(/"httpStatusCode":\s*403/);
      } finally {
        await unlisted.restore();
      }
    });
  });
});
