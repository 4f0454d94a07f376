import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { S3Event } from '@aws-lambda-powertools/parser/types';
import {
  CreateBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { describeWith, emulator, uniqueName } from '@samples/emulator/testing';
import { listKeys } from '@samples/emulator/waiters';
import { captureLogs } from '@samples/test-support/logs';
import type { Context } from 'aws-lambda';
import sharp, { type Sharp } from 'sharp';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { parseConfig } from '../src/config.ts';
import type { handler as Handler } from '../src/handler.ts';
import { processRecord, type ResizeDeps, type S3Record } from '../src/process.ts';
import { photo } from './images.ts';
import { s3Event } from './sample-event.ts';

// The handler's processing in this process, against the emulator's S3 and real sharp: the stages
// of a failure (input vs everything after) and what a failed retry leaves behind. The first test
// goes through the handler module itself (middy, Parser, Logger, Metrics, Tracer) with the sample event.
const bucket = uniqueName('resize-int');
const PREFIX = 'renditions/';
let s3: S3Client;
let handler: typeof Handler;
let deps: (client: S3Client) => ResizeDeps;

const record = (key: string): S3Record => s3Event(bucket, key).Records[0] as S3Record;

async function etags(prefix: string): Promise<Record<string, string | undefined>> {
  const keys = await listKeys(s3, bucket, prefix);
  const entries = await Promise.all(
    keys.map(async (k) => [k, (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: k }))).ETag] as const),
  );
  return Object.fromEntries(entries);
}

describeWith(['s3'], 'image-resize processing, in process', () => {
  beforeAll(async () => {
    emulator();
    s3 = new S3Client({});
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    // The module reads its configuration from the environment when it loads, as on Lambda.
    vi.stubEnv('DEST_BUCKET', bucket);
    ({ handler } = await import('../src/handler.ts'));
    const config = parseConfig({ DEST_BUCKET: bucket, DEST_PREFIX: PREFIX });
    const logger = new Logger({ serviceName: 'image-resize-test', logLevel: 'SILENT' });
    // Never flushed: these tests read what was written to S3, not the metrics.
    const metrics = new Metrics({ namespace: 'ImageResizeTest', serviceName: 'image-resize-test' });
    deps = (client) => ({ s3: client, config, logger, metrics });
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });

  it('logs each record as JSON with the invocation it came in (request id, function, cold start)', async () => {
    const context = {
      awsRequestId: 'req-1',
      functionName: 'image-resize',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:image-resize',
      memoryLimitInMB: '1024',
    } as Context;
    // A rendition's own upload: skipped before any S3 call, logged with its reason.
    const key = `${PREFIX}photo.jpg/640w.webp`;
    const logs = await captureLogs(() => handler(s3Event(bucket, key), context));
    expect(logs.find((l) => l.message === 'skipped: would write where the trigger listens')).toMatchObject({
      service: 'image-resize',
      bucket,
      key,
      function_request_id: 'req-1',
      function_name: 'image-resize',
    });
    // The outcome as a CloudWatch metric, in embedded metric format.
    const emf = logs.find((l) => (l._aws as { CloudWatchMetrics?: unknown[] })?.CloudWatchMetrics);
    expect(emf).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'ImageResize', Dimensions: [['service']] }] },
      service: 'image-resize',
      ImagesSkipped: 1,
    });
  });

  it('refuses an event that is not an S3 notification, before any S3 call', async () => {
    const context = { awsRequestId: 'req-2', functionName: 'image-resize' } as Context;
    const notS3 = {
      Records: [{ s3: { bucket: { name: bucket }, object: { key: 'uploads/x.jpg' } } }],
    } as unknown as S3Event;
    await expect(handler(notS3, context)).rejects.toMatchObject({
      name: 'ParseError',
      message: 'Failed to parse schema',
    });
  });

  it('a retry that fails after an earlier success leaves every earlier rendition in place', async () => {
    const key = 'uploads/retried.jpg';
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await photo(1600, 1200) }));
    expect(await processRecord(record(key), key, deps(s3))).toBe('resized');
    const before = await etags(`${PREFIX}${key}/`);
    expect(Object.keys(before)).toHaveLength(6);

    // The same event again (a re-delivery), and S3 refuses one of its uploads with 503 SlowDown.
    // The emulator cannot be made to throttle on demand, so that one request fails in the client;
    // every other request of the attempt reaches the emulator.
    const throttled = new S3Client({});
    throttled.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutObjectCommand' && (args.input as { Key?: string }).Key?.endsWith('640w.webp')) {
          throw new S3ServiceException({
            name: 'SlowDown',
            $fault: 'server',
            $metadata: { httpStatusCode: 503 },
            message: 'Please reduce your request rate.',
          });
        }
        return next(args);
      },
      { step: 'initialize', name: 'throttleOneUpload' },
    );
    await expect(processRecord(record(key), key, deps(throttled))).rejects.toThrow('Please reduce your request rate');
    // Thrown, so Lambda retries the event; meanwhile every rendition of the earlier success is
    // still there (the five this attempt rewrote carry the same bytes).
    expect(await etags(`${PREFIX}${key}/`)).toEqual(before);
  });

  // libvips and libjpeg report allocation failures in these words. "vips_" and "VipsJpeg" are in the
  // message patterns that used to classify every sharp error, which took them for undecodable input.
  it.each([
    { format: 'webp' as const, message: 'vips_malloc: out of memory --- size == 48MB' },
    { format: 'jpeg' as const, message: 'VipsJpeg: Insufficient memory (case 4)' },
  ])(
    'an encode failure ($format: "$message") is thrown for Lambda to retry, not rejected',
    async ({ format, message }) => {
      const key = `uploads/encode-fails-${format}.jpg`;
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await photo(800, 600) }));
      // A real encoder cannot be made to run out of memory on demand: for this test only, the
      // encoder's output fails. Decoding, resizing and the other format stay real.
      const proto = sharp.prototype as Sharp;
      const encoder = proto[format] as (this: Sharp, o?: unknown) => Sharp;
      const spy = vi.spyOn(proto, format).mockImplementation(function (this: Sharp, options?: unknown) {
        const img = encoder.call(this, options);
        img.toBuffer = (() => Promise.reject(new Error(message))) as unknown as Sharp['toBuffer'];
        return img;
      });
      try {
        await expect(processRecord(record(key), key, deps(s3))).rejects.toThrow(message);
        expect(spy).toHaveBeenCalled();
      } finally {
        spy.mockRestore();
      }
      expect(await listKeys(s3, bucket, `${PREFIX}${key}/`)).toEqual([]);
    },
  );

  it.each([
    // sharp(input).metadata() fails: not an image at all.
    { what: 'text named .jpg', key: 'uploads/text.jpg', make: async () => Buffer.from('no image here') },
    // The header reads, the pixels do not: the decode fails ("premature end of JPEG image").
    { what: 'a truncated JPEG', key: 'uploads/cut.jpg', make: async () => (await photo(800, 600)).subarray(0, 2000) },
  ])('$what fails while reading the input and is rejected, not retried', async ({ key, make }) => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await make() }));
    expect(await processRecord(record(key), key, deps(s3))).toBe('rejected');
    expect(await listKeys(s3, bucket, `${PREFIX}${key}/`)).toEqual([]);
  });

  it('a strip too tall for WebP is rejected before encoding, since no retry could encode it', async () => {
    const strip = await sharp({ create: { width: 100, height: 20_000, channels: 3, background: '#3080c0' } })
      .png()
      .toBuffer();
    // What sharp itself says when asked (its WebP limit is 16383 px a side).
    await expect(sharp(strip).webp().toBuffer()).rejects.toThrow('too large for the WebP format');
    const key = 'uploads/strip.png';
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: strip }));
    expect(await processRecord(record(key), key, deps(s3))).toBe('rejected');
    expect(await listKeys(s3, bucket, `${PREFIX}${key}/`)).toEqual([]);
  });
});
