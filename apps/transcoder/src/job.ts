// SPDX-License-Identifier: MIT-0
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '@aws-lambda-powertools/logger';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Config } from './config.ts';
import { InterruptedError, InvalidInputError } from './errors.ts';
import { probe, transcode } from './ffmpeg.ts';
import { KeyTooLongError, manifestKey, renditionKey } from './keys.ts';
import { buildManifest, type Manifest, type OutputFacts, unquoted } from './manifest.ts';
import { planRenditions, validateProbe } from './plan.ts';
import { buildTranscodeSpec, progressOf } from './spec.ts';
import { shortOutputs } from './verify.ts';

export interface JobDeps {
  s3: S3Client;
  logger: Logger;
  signal: AbortSignal;
}

/**
 * Download, probe, transcode once into every rendition, check the outputs, upload, then write
 * the manifest. Outputs go to deterministic keys: a retry overwrites them, and nothing is ever
 * deleted, since those keys may hold what an earlier run completed and its manifest names.
 * A failure before the uploads publishes nothing; after, no new manifest is written.
 */
export async function runJob(config: Config, { s3, logger, signal }: JobDeps): Promise<Manifest> {
  const prefix = config.OUTPUT_PREFIX;
  let mKey: string;
  try {
    mKey = manifestKey(prefix, config.INPUT_KEY);
  } catch (err) {
    if (err instanceof KeyTooLongError) throw new InvalidInputError(err.message);
    throw err;
  }
  // A private directory; file names are fixed, the S3 key never becomes a path.
  const dir = await mkdtemp(join(tmpdir(), 'transcoder-'));
  try {
    const source = join(dir, 'source');
    const { bytes, etag } = await download(s3, config, source, signal);
    logger.info('downloaded', { bucket: config.INPUT_BUCKET, key: config.INPUT_KEY, etag, bytes });
    if (bytes === 0) throw new InvalidInputError('the source object is empty (0 bytes)');

    const sourceProbe = await probe(source);
    const info = validateProbe(sourceProbe, { maxDurationSeconds: config.MAX_DURATION_SECONDS });
    const renditions = planRenditions(info, config.RENDITIONS);
    const keys = renditions.map((r) => {
      try {
        return renditionKey(prefix, r, config.INPUT_KEY);
      } catch (err) {
        if (err instanceof KeyTooLongError) throw new InvalidInputError(err.message);
        throw err;
      }
    });
    logger.info('planned', { source: info, renditions });

    const files = renditions.map((_, i) => join(dir, `out-${i}.mp4`));
    const spec = buildTranscodeSpec(renditions, files, info.hasAudio, { preset: config.X264_PRESET, crf: config.CRF });
    const started = Date.now();
    let lastLog = 0;
    await transcode(source, spec, {
      signal,
      onProgress: (raw) => {
        const now = Date.now();
        if (now - lastLog < config.PROGRESS_INTERVAL_MS) return;
        lastLog = now;
        logger.info('progress', { ...progressOf(raw, info.durationSeconds, (now - started) / 1000) });
      },
    });
    const seconds = (Date.now() - started) / 1000;
    logger.info('transcoded', {
      seconds: Math.round(seconds * 100) / 100,
      realtimeFactor: Math.round((info.durationSeconds / seconds) * 100) / 100,
    });

    const facts: Omit<OutputFacts, 'etag'>[] = [];
    for (const [i, o] of spec.outputs.entries()) {
      facts.push({
        key: keys[i] as string,
        rendition: o.rendition,
        bytes: (await stat(o.file)).size,
        probe: await probe(o.file),
      });
    }
    // A source cut short can decode without an error ffmpeg reports (a cut on a packet boundary):
    // outputs shorter than the source are refused before anything is published.
    const short = shortOutputs(
      sourceProbe,
      facts.map((f) => ({ name: f.rendition.name, probe: f.probe })),
      info.frameRate,
    );
    if (short.length > 0) throw new InvalidInputError(`the source is damaged or cut short: ${short.join('; ')}`);
    await stillTheSource(s3, config, etag);

    // allSettled: on a stop request, uploads already under way finish (each PutObject replaces
    // a whole object; none is left half written), then the job stops before the manifest.
    const uploads = await Promise.allSettled(
      spec.outputs.map(async (o, i) => {
        const key = keys[i] as string;
        const upload = new Upload({
          client: s3,
          params: { Bucket: config.OUTPUT_BUCKET, Key: key, Body: createReadStream(o.file), ContentType: 'video/mp4' },
          partSize: 8 * 1024 * 1024,
          queueSize: 4,
          leavePartsOnError: false,
        });
        const done = await upload.done();
        if (signal.aborted) throw new InterruptedError('stopped during upload');
        const etag =
          done.ETag ?? (await s3.send(new HeadObjectCommand({ Bucket: config.OUTPUT_BUCKET, Key: key }))).ETag ?? '';
        logger.info('uploaded', { bucket: config.OUTPUT_BUCKET, key, rendition: o.rendition.name, etag });
        return etag;
      }),
    );
    const failed = uploads.find((u) => u.status === 'rejected');
    if (failed) throw failed.reason;
    const etags = uploads.map((u) => (u as PromiseFulfilledResult<string>).value);
    if (signal.aborted) throw new InterruptedError('stopped before the manifest');

    const manifest = buildManifest({
      source: { bucket: config.INPUT_BUCKET, key: config.INPUT_KEY, etag, bytes, ...info },
      outputBucket: config.OUTPUT_BUCKET,
      outputs: facts.map((f, i) => ({ ...f, etag: etags[i] as string })),
      encode: { preset: config.X264_PRESET, crf: config.CRF },
    });
    await s3.send(
      new PutObjectCommand({
        Bucket: config.OUTPUT_BUCKET,
        Key: mKey,
        Body: JSON.stringify(manifest, null, 2),
        ContentType: 'application/json',
      }),
    );
    logger.info('manifest written', { bucket: config.OUTPUT_BUCKET, key: mKey });
    return manifest;
  } catch (err) {
    // Whatever broke first (an aborted upload, a killed ffmpeg), a stop request is reported as such.
    if (signal.aborted && !(err instanceof InterruptedError))
      throw new InterruptedError(`stopped: ${err instanceof Error ? err.message : String(err)}`);
    throw err;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Streams the source to `file`. With INPUT_ETAG only that version is read (If-Match): S3
 * answers 412 PreconditionFailed when the key now holds another object, which is not this job's input.
 */
async function download(
  s3: S3Client,
  config: Pick<Config, 'INPUT_BUCKET' | 'INPUT_KEY' | 'INPUT_ETAG'>,
  file: string,
  signal: AbortSignal,
): Promise<{ bytes: number; etag: string }> {
  const { INPUT_BUCKET: bucket, INPUT_KEY: key, INPUT_ETAG: expected } = config;
  let body: Readable;
  let etag: string;
  try {
    const res = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: key, IfMatch: expected === undefined ? undefined : `"${expected}"` }),
      { abortSignal: signal },
    );
    body = res.Body as Readable;
    etag = unquoted(res.ETag ?? '');
  } catch (err) {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (signal.aborted) throw new InterruptedError('stopped during download');
    if (e.name === 'PreconditionFailed' || e.$metadata?.httpStatusCode === 412) {
      throw new InvalidInputError(
        `the source s3://${bucket}/${key} is no longer the upload with ETag ${expected} (replaced since; PreconditionFailed)`,
      );
    }
    if (e.name === 'NoSuchKey' || e.name === 'NoSuchBucket' || e.name === 'NotFound') {
      throw new InvalidInputError(`the source s3://${bucket}/${key} does not exist (${e.name})`);
    }
    // S3 answers 404 for a missing key only to a caller allowed s3:ListBucket, else 403. The task
    // role's ListBucket is narrowed to the input prefix, and whether that counts is not documented:
    // a 403 is settled by listing the key, which the role may do.
    if ((e.name === 'AccessDenied' || e.$metadata?.httpStatusCode === 403) && (await keyMissing(s3, bucket, key))) {
      throw new InvalidInputError(`the source s3://${bucket}/${key} does not exist (403, and no such key is listed)`);
    }
    throw err;
  }
  try {
    await pipeline(body instanceof Readable ? body : Readable.fromWeb(body as never), createWriteStream(file), {
      signal,
    });
  } catch (err) {
    if (signal.aborted) throw new InterruptedError('stopped during download');
    throw err;
  }
  return { bytes: (await stat(file)).size, etag };
}

/**
 * The output keys are the same for every version of the source key: once a newer upload
 * replaced the one read, its own task writes them, and these renditions would overwrite its
 * with the older video. Checked just before the uploads (If-Match: 412 once the key holds
 * another object), so the window left is the upload itself, not the whole transcode.
 */
async function stillTheSource(s3: S3Client, config: Pick<Config, 'INPUT_BUCKET' | 'INPUT_KEY'>, etag: string) {
  const { INPUT_BUCKET: bucket, INPUT_KEY: key } = config;
  const where = `s3://${bucket}/${key}`;
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, IfMatch: `"${etag}"` }));
  } catch (err) {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode;
    if (e.name === 'PreconditionFailed' || status === 412) {
      throw new InvalidInputError(
        `${where} was replaced while it was transcoded (ETag no longer ${etag}): nothing published`,
      );
    }
    if (e.name === 'NotFound' || status === 404 || (status === 403 && (await keyMissing(s3, bucket, key)))) {
      throw new InvalidInputError(`${where} was deleted while it was transcoded: nothing published`);
    }
    throw err;
  }
}

/** No such key listed: the object is missing. Listed, or the listing refused too: a real access error. */
async function keyMissing(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, MaxKeys: 1 }));
    // Keys list in UTF-8 binary order, so the key itself, if there, comes before any longer one.
    return !(res.Contents ?? []).some((o) => o.Key === key);
  } catch {
    return false;
  }
}
