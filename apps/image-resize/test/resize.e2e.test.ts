import { GetFunctionCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { Service } from '@samples/emulator';
import { allows, invoke, removeStatements } from '@samples/emulator/deploy';
import { describeWith, emulator, uniqueName } from '@samples/emulator/testing';
import { listKeys, waitForKeys } from '@samples/emulator/waiters';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { exifRotated, photo, pngBomb, pngWithAlpha } from './images.ts';
import { s3Event } from './sample-event.ts';
import { deployImageResize, type ImageResizeDeployment } from './stack.ts';

// The app's CDK stack (infra/stack.ts) deployed into the emulator with the real CDK CLI: the
// uploads and renditions buckets, the function with sharp in its zip and the role it ships
// with, CDK's bucket-notification custom resource (a Python function), the trigger's retries and
// on-failure queue. Uploads go through the trigger; the rest is invoked with the event S3 sends.
const PREFIX = 'renditions/';
// The function's default (MAX_INPUT_BYTES is not set by the stack).
const MAX_INPUT_BYTES = 25 * 1024 * 1024;
const needs: Service[] = ['cloudformation', 'lambda', 's3', 'sqs', 'iam'];

describeWith(needs, 'image-resize stack in the emulator', () => {
  let stack: ImageResizeDeployment;
  let s3: S3Client;
  let uploads: string;
  let renditions: string;

  beforeAll(async () => {
    emulator();
    s3 = new S3Client({});
    stack = await deployImageResize(uniqueName('resize'));
    uploads = stack.uploadsBucket;
    renditions = stack.renditionsBucket;
  });
  afterAll(async () => {
    await stack?.destroy();
  });

  const flat = (width: number, height: number) =>
    sharp({ create: { width, height, channels: 3, background: { r: 30, g: 120, b: 200 } } })
      .png()
      .toBuffer();
  const body = async (key: string) =>
    Buffer.from(
      await (await s3.send(new GetObjectCommand({ Bucket: renditions, Key: key }))).Body!.transformToByteArray(),
    );
  const run = (key: string, bucket = uploads) =>
    invoke<{ results: { key: string; outcome: string }[] }>(stack.functionName, s3Event(bucket, key));

  it('names its buckets, function and on-failure queue in its outputs', () => {
    expect(Object.keys(stack.outputs).sort()).toEqual([
      'FailedEventsQueueUrl',
      'RenditionsBucket',
      'ResizeFunctionName',
      'UploadsBucket',
    ]);
  });

  // Custom resources run only where the backend's CloudFormation calls them (not LocalStack's
  // community code): without them the stack has no trigger.
  describeWith(['cloudformation-custom-resources'], 'through its S3 trigger', () => {
    const cases = [
      { key: 'uploads/landscape.jpg', make: () => photo(1600, 1200), sizes: ['1280x960', '640x480', '200x150'] },
      { key: 'uploads/portrait.jpg', make: () => photo(900, 1600), sizes: ['640x1138', '200x356'] },
      // Stored 1200 wide x 800 high, EXIF orientation 6: displayed 800 x 1200.
      { key: 'uploads/rotated.jpg', make: () => exifRotated(1200, 800), sizes: ['640x960', '200x300'] },
      { key: 'uploads/logo with alpha.png', make: () => pngWithAlpha(700, 300), sizes: ['640x274', '200x86'] },
      { key: 'uploads/写真 café+1.jpg', make: () => photo(300, 200), sizes: ['200x133'] },
    ];

    it('writes every rendition of every upload into the renditions bucket, with the right size, format and metadata', async () => {
      for (const c of cases) {
        await s3.send(new PutObjectCommand({ Bucket: uploads, Key: c.key, Body: await c.make() }));
      }
      const expected = cases.flatMap((c) =>
        c.sizes.flatMap((size) => {
          const width = size.split('x')[0];
          return [`${PREFIX}${c.key}/${width}w.jpg`, `${PREFIX}${c.key}/${width}w.webp`];
        }),
      );
      const keys = await waitForKeys(s3, renditions, PREFIX, expected.length, { timeoutMs: 90_000 });
      expect(keys.sort()).toEqual([...expected].sort());

      for (const c of cases) {
        const source = await s3.send(new HeadObjectCommand({ Bucket: uploads, Key: c.key }));
        for (const size of c.sizes) {
          const width = size.split('x')[0];
          for (const [ext, format, type] of [
            ['jpg', 'jpeg', 'image/jpeg'],
            ['webp', 'webp', 'image/webp'],
          ] as const) {
            const key = `${PREFIX}${c.key}/${width}w.${ext}`;
            const res = await s3.send(new GetObjectCommand({ Bucket: renditions, Key: key }));
            const meta = await sharp(Buffer.from(await res.Body!.transformToByteArray())).metadata();
            expect(`${meta.width}x${meta.height}`, key).toBe(size);
            expect(meta.format, key).toBe(format);
            expect(meta.orientation ?? 1, key).toBe(1);
            expect(meta.exif, key).toBeUndefined();
            expect(meta.icc, key).toBeDefined();
            expect(res.ContentType).toBe(type);
            expect(res.CacheControl).toMatch(/max-age=/);
            expect(res.Metadata?.['source-etag']).toBe(source.ETag?.replaceAll('"', ''));
            if (c.key.endsWith('.png')) expect(meta.hasAlpha, key).toBe(format === 'webp');
          }
        }
      }
      // Renditions land in the other bucket, which triggers nothing: none is a rendition of a rendition.
      const all = await listKeys(s3, renditions, PREFIX);
      expect(all.filter((k) => k.startsWith(`${PREFIX}${PREFIX}`) || /\/\d+w\.\w+\/\d+w\./.test(k))).toEqual([]);
    });

    it('sources that differ only by extension keep renditions of their own', async () => {
      const jpg = 'uploads/pets/cat.jpg';
      const png = 'uploads/pets/cat.png';
      // Same size, different pictures: a photo and one flat colour.
      await s3.send(new PutObjectCommand({ Bucket: uploads, Key: jpg, Body: await photo(800, 600) }));
      await s3.send(new PutObjectCommand({ Bucket: uploads, Key: png, Body: await flat(800, 600) }));
      const names = ['200w.jpg', '200w.webp', '640w.jpg', '640w.webp'];
      const keys = await waitForKeys(s3, renditions, `${PREFIX}uploads/pets/`, 8, { timeoutMs: 60_000 });
      expect(keys.sort()).toEqual([
        ...names.map((n) => `${PREFIX}${jpg}/${n}`),
        ...names.map((n) => `${PREFIX}${png}/${n}`),
      ]);
      for (const n of names) {
        const fromJpg = await sharp(await body(`${PREFIX}${jpg}/${n}`)).stats();
        const fromPng = await sharp(await body(`${PREFIX}${png}/${n}`)).stats();
        // Each set is its own source's: the photo's renditions vary, the flat PNG's do not.
        expect(fromJpg.channels[0]!.stdev, n).toBeGreaterThan(20);
        expect(fromPng.channels[0]!.stdev, n).toBeLessThan(2);
      }
    });
  });

  it('never processes its own output: an event for a rendition is skipped', async () => {
    // Were the renditions bucket given a trigger too, its events would name keys like this one.
    const key = `${PREFIX}uploads/landscape.jpg/640w.jpg`;
    const res = await run(key, renditions);
    expect(res.payload.results).toEqual([{ key, outcome: 'skipped' }]);
    expect(res.log).toContain('would write where the trigger listens');
  });

  it('re-delivery of the same event writes the same objects', async () => {
    const key = 'uploads/redelivered.jpg';
    await s3.send(new PutObjectCommand({ Bucket: uploads, Key: key, Body: await photo(1600, 1200) }));
    const etag = async () =>
      (await s3.send(new HeadObjectCommand({ Bucket: renditions, Key: `${PREFIX}${key}/640w.jpg` }))).ETag;
    const first = await run(key);
    expect(first.payload.results).toEqual([{ key, outcome: 'resized' }]);
    const before = await etag();
    const again = await run(key);
    expect(again.payload.results).toEqual([{ key, outcome: 'resized' }]);
    expect(await etag()).toBe(before);
  });

  it('an upload deleted before it is processed is skipped, not retried', async () => {
    const key = 'uploads/deleted-before-processing.jpg';
    const res = await run(key);
    expect(res.functionError, res.log).toBeUndefined();
    expect(res.payload.results).toEqual([{ key, outcome: 'skipped' }]);
    expect(res.log).toContain('the object no longer exists');
    expect(await listKeys(s3, renditions, `${PREFIX}${key}`)).toEqual([]);
  });

  const jpeg = () => photo(800, 600);
  const hostile = [
    { key: 'uploads/bad/empty.jpg', make: async () => Buffer.alloc(0), reason: 'empty object' },
    {
      key: 'uploads/bad/text.jpg',
      make: async () => Buffer.from('this is not an image at all'),
      reason: 'cannot decode image',
    },
    {
      key: 'uploads/bad/truncated.jpg',
      make: async () => (await jpeg()).subarray(0, 2000),
      reason: 'cannot decode image',
    },
    { key: 'uploads/bad/bomb.png', make: async () => pngBomb(), reason: 'pixel limit' },
    {
      key: 'uploads/bad/huge.jpg',
      make: async () => Buffer.alloc(MAX_INPUT_BYTES + 1, 7),
      reason: 'above MAX_INPUT_BYTES',
    },
    {
      key: 'uploads/bad/unsupported.svg',
      make: async () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'),
      reason: 'unsupported format',
    },
  ];

  it.each(hostile)('$key is rejected with its reason in the log and writes nothing', async ({ key, make, reason }) => {
    await s3.send(new PutObjectCommand({ Bucket: uploads, Key: key, Body: await make() }));
    const res = await run(key);
    expect(res.functionError, res.log).toBeUndefined();
    expect(res.payload.results[0]?.outcome).toBe('rejected');
    expect(res.log).toContain(reason);
    expect(res.log).toMatch(/"level":"ERROR".*"message":"rejected"/);
    // Active tracing without an X-Ray daemon (the emulator): Tracer and the X-Ray SDK stay quiet.
    expect(res.log).not.toMatch(/Missing AWS Lambda trace data|current sub\/segment|serialize segment/);
    expect(await listKeys(s3, renditions, `${PREFIX}uploads/bad/`)).toEqual([]);
  });

  it('a source key too long to name its renditions under 1024 bytes is rejected before download', async () => {
    // S3 keys are at most 1,024 bytes (Amazon S3 User Guide, "Naming Amazon S3 objects"):
    // renditions/ + this 1012-byte key + /1280w.webp would be 1034.
    const key = `uploads/bad/${'k'.repeat(996)}.jpg`;
    await s3.send(new PutObjectCommand({ Bucket: uploads, Key: key, Body: await jpeg() }));
    const res = await run(key);
    expect(res.functionError, res.log).toBeUndefined();
    expect(res.payload.results[0]?.outcome).toBe('rejected');
    expect(res.log).toContain("above S3's 1024-byte key limit");
    expect(await listKeys(s3, renditions, `${PREFIX}uploads/bad/`)).toEqual([]);
  });

  // The shipped role is what lets the flow work: without its PutObject statement the same upload
  // fails with AccessDenied, as on AWS, and works again once the statement is back.
  describeWith(['iam-enforcement'], 'with a statement removed from its role', () => {
    it('fails the upload with AccessDenied and writes nothing; works again once the statement is back', async () => {
      const lambda = new LambdaClient({});
      const fn = await lambda.send(new GetFunctionCommand({ FunctionName: stack.functionName }));
      const roleName = (fn.Configuration?.Role ?? '').split('/').pop() as string;
      // The event S3 sends for the upload, delivered synchronously so the function's answer is seen.
      const deliver = async (key: string) => {
        await s3.send(new PutObjectCommand({ Bucket: uploads, Key: key, Body: await photo(1600, 1200) }));
        const res = await lambda.send(
          new InvokeCommand({ FunctionName: stack.functionName, Payload: JSON.stringify(s3Event(uploads, key)) }),
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
          new ListObjectsV2Command({ Bucket: renditions, Prefix: `${PREFIX}uploads/denied.jpg/` }),
        );
        expect(listed.KeyCount ?? 0).toBe(0);
      } finally {
        await denied.restore();
      }
      const allowed = await deliver('uploads/allowed.jpg');
      expect(allowed.error, allowed.payload).toBeUndefined();
      expect(JSON.parse(allowed.payload)).toEqual({ results: [{ key: 'uploads/allowed.jpg', outcome: 'resized' }] });
      expect(await waitForKeys(s3, renditions, `${PREFIX}uploads/allowed.jpg/`, 6)).toHaveLength(6);
    });

    // S3 answers a missing key with 404 only to a caller that may list the bucket, else 403
    // (GetObject API reference, "Permissions"). The shipped role lists, so an upload deleted before
    // its event arrives is skipped; without s3:ListBucket the same event fails, and Lambda retries it.
    it('skips an upload that no longer exists; without s3:ListBucket S3 says AccessDenied and the event fails', async () => {
      const lambda = new LambdaClient({});
      const fn = await lambda.send(new GetFunctionCommand({ FunctionName: stack.functionName }));
      const roleName = (fn.Configuration?.Role ?? '').split('/').pop() as string;
      const key = 'uploads/deleted-before-its-event.jpg';
      const shipped = await run(key);
      expect(shipped.functionError, shipped.log).toBeUndefined();
      expect(shipped.payload).toEqual({ results: [{ key, outcome: 'skipped' }] });

      const unlisted = await removeStatements(roleName, allows('s3:ListBucket'));
      try {
        const denied = await run(key);
        expect(denied.functionError, denied.log).toBe('Unhandled');
        // HeadObject's 403 has no body, so the SDK's error carries only the status; the handler
        // rethrows it (the tail of its log line, the last 4 KB, is what LogResult holds).
        expect(denied.log).toMatch(/"httpStatusCode":\s*403/);
      } finally {
        await unlisted.restore();
      }
    });
  });
});
