import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { deleteFunction, invoke } from '@samples/emulator/deploy';
import { describeWith, emulator, uniqueName } from '@samples/emulator/testing';
import { listKeys, waitForKeys } from '@samples/emulator/waiters';
import type { S3Event } from 'aws-lambda';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { exifRotated, photo, pngBomb, pngWithAlpha } from './images.ts';
import { deployImageResize } from './stack.ts';

const name = uniqueName('image-resize');
// One bucket for uploads and renditions: the recursion guard is tested by the real trigger.
const bucket = uniqueName('images');
const PREFIX = 'renditions/';
const MAX_INPUT_BYTES = 2 * 1024 * 1024;
let s3: S3Client;

const flat = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 30, g: 120, b: 200 } } })
    .png()
    .toBuffer();
const body = async (key: string) =>
  Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray());

const s3Event = (key: string): S3Event =>
  ({
    Records: [
      {
        eventSource: 'aws:s3',
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: bucket }, object: { key: encodeURIComponent(key).replace(/%20/g, '+'), size: 0 } },
      },
    ],
  }) as unknown as S3Event;

describeWith(['lambda', 's3'], 'image-resize deployed with an S3 trigger', () => {
  beforeAll(async () => {
    emulator();
    s3 = new S3Client({});
    await deployImageResize({
      name,
      bucket,
      prefix: PREFIX,
      environment: { MAX_INPUT_BYTES: String(MAX_INPUT_BYTES) },
    });
  });
  afterAll(() => deleteFunction(name));

  const cases = [
    { key: 'uploads/landscape.jpg', make: () => photo(1600, 1200), sizes: ['1280x960', '640x480', '200x150'] },
    { key: 'uploads/portrait.jpg', make: () => photo(900, 1600), sizes: ['640x1138', '200x356'] },
    // Stored 1200 wide x 800 high, EXIF orientation 6: displayed 800 x 1200.
    { key: 'uploads/rotated.jpg', make: () => exifRotated(1200, 800), sizes: ['640x960', '200x300'] },
    { key: 'uploads/logo with alpha.png', make: () => pngWithAlpha(700, 300), sizes: ['640x274', '200x86'] },
    { key: 'uploads/写真 café+1.jpg', make: () => photo(300, 200), sizes: ['200x133'] },
  ];

  it('writes every rendition of every upload, with the right size, format and metadata', async () => {
    for (const c of cases) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: c.key, Body: await c.make() }));
    const expected = cases.flatMap((c) =>
      c.sizes.flatMap((size) => {
        const width = size.split('x')[0];
        return [`${PREFIX}${c.key}/${width}w.jpg`, `${PREFIX}${c.key}/${width}w.webp`];
      }),
    );
    const keys = await waitForKeys(s3, bucket, PREFIX, expected.length, { timeoutMs: 90_000 });
    expect(keys.sort()).toEqual([...expected].sort());

    for (const c of cases) {
      const source = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: c.key }));
      for (const size of c.sizes) {
        const width = size.split('x')[0];
        for (const [ext, format, type] of [
          ['jpg', 'jpeg', 'image/jpeg'],
          ['webp', 'webp', 'image/webp'],
        ] as const) {
          const key = `${PREFIX}${c.key}/${width}w.${ext}`;
          const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
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
  });

  it('never processes its own output: renditions trigger the function, which skips them', async () => {
    const keys = await listKeys(s3, bucket, PREFIX);
    expect(keys.filter((k) => k.startsWith(`${PREFIX}${PREFIX}`) || /\/\d+w\/\d+w\./.test(k))).toEqual([]);
    const res = await invoke<{ results: { outcome: string }[] }>(name, s3Event(keys[0]!));
    expect(res.payload.results).toEqual([{ key: keys[0], outcome: 'skipped' }]);
    expect(res.log).toContain('would write where the trigger listens');
  });

  it('re-delivery of the same event writes the same objects', async () => {
    const key = 'uploads/landscape.jpg';
    const before = await s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: `${PREFIX}uploads/landscape.jpg/640w.jpg` }),
    );
    const res = await invoke<{ results: { outcome: string }[] }>(name, s3Event(key));
    expect(res.payload.results[0]?.outcome).toBe('resized');
    const after = await s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: `${PREFIX}uploads/landscape.jpg/640w.jpg` }),
    );
    expect(after.ETag).toBe(before.ETag);
  });

  it('sources that differ only by extension keep renditions of their own', async () => {
    const jpg = 'uploads/pets/cat.jpg';
    const png = 'uploads/pets/cat.png';
    // Same size, different pictures: a photo and one flat colour.
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: jpg, Body: await photo(800, 600) }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: png, Body: await flat(800, 600) }));
    const names = ['200w.jpg', '200w.webp', '640w.jpg', '640w.webp'];
    const keys = await waitForKeys(s3, bucket, `${PREFIX}uploads/pets/`, 8, { timeoutMs: 60_000 });
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

  it('an upload deleted before it is processed is skipped, not retried', async () => {
    const key = 'uploads/deleted-before-processing.jpg';
    const res = await invoke<{ results: { key: string; outcome: string }[] }>(name, s3Event(key));
    expect(res.functionError, res.log).toBeUndefined();
    expect(res.payload.results).toEqual([{ key, outcome: 'skipped' }]);
    expect(res.log).toContain('the object no longer exists');
    expect(await listKeys(s3, bucket, `${PREFIX}${key}`)).toEqual([]);
  });

  const jpeg = () => photo(800, 600);
  const hostile = [
    { key: 'bad/empty.jpg', make: async () => Buffer.alloc(0), reason: 'empty object' },
    {
      key: 'bad/text.jpg',
      make: async () => Buffer.from('this is not an image at all'),
      reason: 'cannot decode image',
    },
    { key: 'bad/truncated.jpg', make: async () => (await jpeg()).subarray(0, 2000), reason: 'cannot decode image' },
    { key: 'bad/bomb.png', make: async () => pngBomb(), reason: 'pixel limit' },
    { key: 'bad/huge.jpg', make: async () => Buffer.alloc(MAX_INPUT_BYTES + 1, 7), reason: 'above MAX_INPUT_BYTES' },
    {
      key: 'bad/unsupported.svg',
      make: async () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'),
      reason: 'unsupported format',
    },
  ];

  it.each(hostile)('$key is rejected with its reason in the log and writes nothing', async ({ key, make, reason }) => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await make() }));
    const res = await invoke<{ results: { outcome: string }[] }>(name, s3Event(key));
    expect(res.functionError, res.log).toBeUndefined();
    expect(res.payload.results[0]?.outcome).toBe('rejected');
    expect(res.log).toContain(reason);
    expect(res.log).toMatch(/"level":"ERROR".*"message":"rejected"/);
    expect(await listKeys(s3, bucket, `${PREFIX}bad/`)).toEqual([]);
  });

  it('a source key too long to name its renditions under 1024 bytes is rejected before download', async () => {
    // S3 keys are at most 1,024 bytes (Amazon S3 User Guide, "Naming Amazon S3 objects"):
    // renditions/ + this 1008-byte key + /1280w.webp would be 1030.
    const key = `bad/${'k'.repeat(1000)}.jpg`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await jpeg() }));
    const res = await invoke<{ results: { outcome: string }[] }>(name, s3Event(key));
    expect(res.functionError, res.log).toBeUndefined();
    expect(res.payload.results[0]?.outcome).toBe('rejected');
    expect(res.log).toContain("above S3's 1024-byte key limit");
    expect(await listKeys(s3, bucket, `${PREFIX}bad/`)).toEqual([]);
  });
});
