import { Logger } from '@aws-lambda-powertools/logger';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { emulator, uniqueName } from '@samples/emulator/testing';
import { listKeys } from '@samples/emulator/waiters';
import {
  ffprobe,
  makeClip,
  makeCutAtPacketClip,
  makeCutShortClip,
  makeNoiseClip,
  makeRotatedClip,
} from '@samples/test-support/clips';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.ts';
import { EXIT, exitCodeFor, InterruptedError, InvalidInputError } from '../src/errors.ts';
import { runJob } from '../src/job.ts';

// The job in-process with the host's ffmpeg and the emulator's S3: output layout, the source
// version it reads (INPUT_ETAG) and names in the manifest, damaged sources, and retries over an
// earlier result, including a stop request that lands after some renditions are already in S3
// (a window the container test cannot hit on demand).
let s3: S3Client;
const input = uniqueName('cl-in');
const output = uniqueName('cl-out');

beforeAll(async () => {
  emulator();
  s3 = new S3Client({});
  await s3.send(new CreateBucketCommand({ Bucket: input }));
  await s3.send(new CreateBucketCommand({ Bucket: output }));
  await s3.send(new PutObjectCommand({ Bucket: input, Key: 'clip.mp4', Body: makeClip({ width: 1280, height: 720 }) }));
});

/** A real Logger that also reports each message, so the test can act at a given step. */
class WatchingLogger extends Logger {
  onMessage: (message: string) => void = () => undefined;
  override info(input: Parameters<Logger['info']>[0], ...extra: Parameters<Logger['info']>[1][]): void {
    super.info(input, ...(extra as []));
    this.onMessage(typeof input === 'string' ? input : String(input.message));
  }
}

const config = (prefix: string) =>
  parseConfig({
    INPUT_BUCKET: input,
    INPUT_KEY: 'clip.mp4',
    OUTPUT_BUCKET: output,
    OUTPUT_PREFIX: prefix,
    X264_PRESET: 'veryfast',
  });

it('commits: every rendition, then the manifest', async () => {
  const prefix = uniqueName('ok');
  const manifest = await runJob(config(prefix), {
    s3,
    logger: new Logger({ logLevel: 'ERROR' }),
    signal: new AbortController().signal,
  });
  expect(manifest.renditions.map((r) => r.name)).toEqual(['720p', '480p']);
  expect((await listKeys(s3, output, `${prefix}/`)).sort()).toEqual(
    [`${prefix}/480p/clip.mp4.mp4`, `${prefix}/720p/clip.mp4.mp4`, `${prefix}/manifest/clip.mp4.json`].sort(),
  );
  // Each rendition's ETag, so a consumer can check (HeadObject, or GetObject If-Match) that the
  // object at that key is still the one this manifest describes: a later run may overwrite it.
  for (const r of manifest.renditions) {
    const head = await s3.send(new HeadObjectCommand({ Bucket: output, Key: r.key }));
    expect(r.etag).toBe(head.ETag?.slice(1, -1));
  }
});

const quietDeps = () => ({ s3, logger: new Logger({ logLevel: 'ERROR' }), signal: new AbortController().signal });
const download = async (key: string) =>
  (await s3.send(new GetObjectCommand({ Bucket: output, Key: key }))).Body!.transformToByteArray();

it('keeps a phone video portrait: a clip coded 1280x720 with a 90 degree rotation gives portrait renditions', async () => {
  const prefix = uniqueName('rotated');
  const key = `phone/${prefix}.mp4`;
  await s3.send(
    new PutObjectCommand({ Bucket: input, Key: key, Body: makeRotatedClip({ width: 1280, height: 720, degrees: 90 }) }),
  );
  const manifest = await runJob({ ...config(prefix), INPUT_KEY: key, RENDITIONS: [720, 480] }, quietDeps());
  expect([manifest.source.width, manifest.source.height]).toEqual([720, 1280]);
  expect(manifest.renditions.map((r) => `${r.name} ${r.width}x${r.height}`)).toEqual(['720p 720x1280', '480p 480x854']);
  for (const r of manifest.renditions) {
    const video = ffprobe(await download(r.key)).streams.find((s) => s.codec_type === 'video');
    expect([video?.width, video?.height]).toEqual([r.width, r.height]);
    expect(video?.height).toBeGreaterThan(video?.width ?? 0);
    // ffmpeg rotated the pixels (autorotate): a rotation left in the output would turn it again in players.
    expect(
      video?.side_data_list?.some((d) => d.rotation !== undefined && Number(d.rotation) % 360 !== 0) ?? false,
    ).toBe(false);
  }
});

describe('the source version', () => {
  const etagOf = async (key: string) => (await s3.send(new HeadObjectCommand({ Bucket: input, Key: key }))).ETag;

  it('is named in the manifest: source.etag is the ETag of the object read, without quotes (manifest version 2)', async () => {
    const prefix = uniqueName('etag');
    const manifest = await runJob({ ...config(prefix), RENDITIONS: [480] }, quietDeps());
    const etag = await etagOf('clip.mp4');
    expect(etag).toMatch(/^".+"$/);
    expect(manifest.version).toBe(2);
    expect(manifest.source.etag).toBe(etag?.slice(1, -1));
    const stored = JSON.parse(
      await (
        await s3.send(new GetObjectCommand({ Bucket: output, Key: `${prefix}/manifest/clip.mp4.json` }))
      ).Body!.transformToString(),
    ) as { version: number; source: { etag: string } };
    expect(stored).toMatchObject({ version: 2, source: { etag: etag?.slice(1, -1) } });
  });

  it('with INPUT_ETAG is read only if it is still that upload: the same ETag transcodes', async () => {
    const prefix = uniqueName('match');
    const etag = (await etagOf('clip.mp4'))?.slice(1, -1);
    const manifest = await runJob({ ...config(prefix), RENDITIONS: [480], INPUT_ETAG: etag }, quietDeps());
    expect(manifest.source.etag).toBe(etag);
  });

  it('with INPUT_ETAG of an upload replaced since is invalid input (exit 2): 412 PreconditionFailed, nothing written', async () => {
    // GetObject If-Match: "Return the object only if its entity tag (ETag) is the same as the one
    // specified; otherwise, return a 412 Precondition Failed error" (Amazon S3 API Reference, GetObject).
    const prefix = uniqueName('replaced');
    const key = `replaced/${prefix}.mp4`;
    await s3.send(new PutObjectCommand({ Bucket: input, Key: key, Body: makeClip({ width: 320, height: 240 }) }));
    const first = (await etagOf(key))?.slice(1, -1);
    await s3.send(
      new PutObjectCommand({ Bucket: input, Key: key, Body: makeClip({ width: 320, height: 240, audio: false }) }),
    );
    expect((await etagOf(key))?.slice(1, -1)).not.toBe(first);
    const err = await runJob({ ...config(prefix), INPUT_KEY: key, INPUT_ETAG: first }, quietDeps()).catch((e) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(String(err.message)).toMatch(/PreconditionFailed/);
    expect(exitCodeFor(err)).toBe(EXIT.invalidInput);
    expect(await listKeys(s3, output, `${prefix}/`)).toEqual([]);
  });

  it('replaced while it is transcoded publishes nothing (exit 2): the newer upload has a task of its own', async () => {
    // Renditions and manifest keys are the same for every version of a key: renditions of the
    // version read, uploaded after a newer upload's task wrote its own, would replace them with
    // the older video. HeadObject If-Match answers 412 once the key holds another object
    // (Amazon S3 API Reference, HeadObject), so the job checks just before it uploads.
    const prefix = uniqueName('overtaken');
    const key = `overtaken/${prefix}.mp4`;
    await s3.send(new PutObjectCommand({ Bucket: input, Key: key, Body: makeClip({ width: 640, height: 360 }) }));
    const logger = new WatchingLogger({ logLevel: 'ERROR' });
    const seen: string[] = [];
    let replaced: Promise<unknown> | undefined;
    logger.onMessage = (message) => {
      seen.push(message);
      // Planned: the source is downloaded and about to be transcoded, which takes seconds.
      if (message === 'planned') {
        replaced = s3.send(
          new PutObjectCommand({ Bucket: input, Key: key, Body: makeClip({ width: 320, height: 240, audio: false }) }),
        );
      }
    };
    const err = await runJob(
      { ...config(prefix), INPUT_KEY: key },
      { s3, logger, signal: new AbortController().signal },
    ).catch((e) => e);
    await replaced;
    expect(seen).toContain('transcoded');
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(String(err.message)).toMatch(/replaced/);
    expect(exitCodeFor(err)).toBe(EXIT.invalidInput);
    expect(seen).not.toContain('uploaded');
    expect(await listKeys(s3, output, `${prefix}/`)).toEqual([]);
  });
});

it.each([
  [
    'cut short (faststart, 60% of its bytes)',
    () => makeCutShortClip({ width: 640, height: 360, seconds: 4, fraction: 0.6 }),
  ],
  [
    'cut after a whole packet (no decode error; ffmpeg exits 0 even with -xerror)',
    () => makeCutAtPacketClip({ width: 640, height: 360, seconds: 4, audio: false, packet: 59 }),
  ],
])('refuses an upload %s as invalid input (exit 2), publishing nothing', async (_what, body) => {
  // ffmpeg decodes such a file up to where its data ends and, by default, exits 0: the job must
  // see the input errors (and the short outputs) and publish neither renditions nor a manifest.
  const prefix = uniqueName('cut');
  const key = `cut/${prefix}.mp4`;
  await s3.send(new PutObjectCommand({ Bucket: input, Key: key, Body: body() }));
  const err = await runJob({ ...config(prefix), INPUT_KEY: key }, quietDeps()).catch((e) => e);
  expect(err).toBeInstanceOf(InvalidInputError);
  expect(String(err.message)).toMatch(/damaged or cut short/);
  expect(exitCodeFor(err)).toBe(EXIT.invalidInput);
  expect(await listKeys(s3, output, `${prefix}/`)).toEqual([]);
});

describe('a retry', () => {
  /** Every object under the prefix with its ETag, and the manifest's text. */
  async function snapshot(prefix: string, key: string) {
    const keys = await listKeys(s3, output, `${prefix}/`);
    const etags = await Promise.all(
      keys.map(async (k) => [k, (await s3.send(new HeadObjectCommand({ Bucket: output, Key: k }))).ETag] as const),
    );
    const manifest = Buffer.from(await download(`${prefix}/manifest/${key}.json`)).toString();
    return { objects: Object.fromEntries(etags), manifest };
  }

  /** The manifest still describes objects that exist, with the sizes it states. */
  async function expectManifestIntact(prefix: string, key: string) {
    const manifest = JSON.parse(Buffer.from(await download(`${prefix}/manifest/${key}.json`)).toString()) as {
      renditions: { key: string; bytes: number }[];
    };
    expect(manifest.renditions.length).toBeGreaterThan(0);
    for (const r of manifest.renditions) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: output, Key: r.key }));
      expect(head.ContentLength).toBe(r.bytes);
    }
  }

  it('stopped during its upload deletes nothing: the earlier renditions and manifest stay, no new manifest', async () => {
    const prefix = uniqueName('stop');
    await runJob(config(prefix), quietDeps());
    const before = await snapshot(prefix, 'clip.mp4');
    expect(Object.keys(before.objects)).toEqual([
      `${prefix}/480p/clip.mp4.mp4`,
      `${prefix}/720p/clip.mp4.mp4`,
      `${prefix}/manifest/clip.mp4.json`,
    ]);

    const controller = new AbortController();
    const logger = new WatchingLogger({ logLevel: 'ERROR' });
    const seen: string[] = [];
    logger.onMessage = (message) => {
      seen.push(message);
      if (message === 'uploaded') controller.abort();
    };
    await expect(runJob(config(prefix), { s3, logger, signal: controller.signal })).rejects.toBeInstanceOf(
      InterruptedError,
    );
    expect(seen).toContain('uploaded');
    expect(seen).not.toContain('manifest written');
    const after = await snapshot(prefix, 'clip.mp4');
    expect(Object.keys(after.objects)).toEqual(Object.keys(before.objects));
    expect(after.manifest).toBe(before.manifest);
    await expectManifestIntact(prefix, 'clip.mp4');
  });

  it('of a source replaced by one cut short exits 2 and leaves the earlier result exactly as it was', async () => {
    const prefix = uniqueName('replaced');
    const key = `retry/${prefix}.mp4`;
    await s3.send(new PutObjectCommand({ Bucket: input, Key: key, Body: makeClip({ width: 640, height: 360 }) }));
    await runJob({ ...config(prefix), INPUT_KEY: key }, quietDeps());
    const before = await snapshot(prefix, key);

    await s3.send(
      new PutObjectCommand({
        Bucket: input,
        Key: key,
        Body: makeCutShortClip({ width: 640, height: 360, seconds: 4, fraction: 0.6 }),
      }),
    );
    const err = await runJob({ ...config(prefix), INPUT_KEY: key }, quietDeps()).catch((e) => e);
    expect(exitCodeFor(err)).toBe(EXIT.invalidInput);
    expect(await snapshot(prefix, key)).toEqual(before);
    await expectManifestIntact(prefix, key);
  });
});

// ECS stops a task with SIGTERM (StopTask, a Spot interruption, a deployment); main.ts turns it
// into this abort. Wherever it lands, the stopped run publishes nothing (no manifest: renditions
// already uploaded are whole objects no manifest names, no multipart upload is left open), and
// the task run again completes.
describe.each([
  { stage: 'download', when: 'GetObject of the source is sent' },
  { stage: 'encode', when: 'the renditions are planned and ffmpeg starts' },
  { stage: 'upload', when: 'the first rendition is uploaded' },
])('stopped during the $stage ($when)', ({ stage }) => {
  it('writes no manifest, leaves no open upload, and the task run again completes', async () => {
    const prefix = uniqueName(`stop-${stage}`);
    const controller = new AbortController();
    const client = new S3Client({});
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (stage === 'download' && context.commandName === 'GetObjectCommand') controller.abort();
        return next(args);
      },
      { step: 'initialize', name: 'stopOnDownload' },
    );
    const logger = new WatchingLogger({ logLevel: 'ERROR' });
    const seen: string[] = [];
    logger.onMessage = (message) => {
      seen.push(message);
      if ((stage === 'encode' && message === 'planned') || (stage === 'upload' && message === 'uploaded'))
        controller.abort();
    };
    const err = await runJob(config(prefix), { s3: client, logger, signal: controller.signal }).catch((e) => e);
    expect(err).toBeInstanceOf(InterruptedError);
    expect(exitCodeFor(err)).toBe(EXIT.failed);
    expect(seen.includes('downloaded')).toBe(stage !== 'download');
    expect(seen.includes('transcoded')).toBe(stage === 'upload');
    expect(seen).not.toContain('manifest written');
    const left = await listKeys(s3, output, `${prefix}/`);
    expect(left).not.toContain(`${prefix}/manifest/clip.mp4.json`);
    if (stage !== 'upload') expect(left).toEqual([]);
    const open = await s3.send(new ListMultipartUploadsCommand({ Bucket: output, Prefix: `${prefix}/` }));
    expect(open.Uploads ?? []).toEqual([]);

    // The task again (ECS starts a new one, or the state machine's retry): the whole result.
    const manifest = await runJob(config(prefix), quietDeps());
    expect(manifest.renditions.map((r) => r.name)).toEqual(['720p', '480p']);
    for (const r of manifest.renditions) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: output, Key: r.key }));
      expect(head.ContentLength).toBe(r.bytes);
    }
    expect((await listKeys(s3, output, `${prefix}/`)).sort()).toEqual(
      [`${prefix}/480p/clip.mp4.mp4`, `${prefix}/720p/clip.mp4.mp4`, `${prefix}/manifest/clip.mp4.json`].sort(),
    );
  });
});

it('uploads a rendition larger than one part as a multipart upload', async () => {
  const prefix = uniqueName('big');
  await s3.send(new PutObjectCommand({ Bucket: input, Key: 'noise.mp4', Body: makeNoiseClip(1280, 720) }));
  const manifest = await runJob(
    { ...config(prefix), INPUT_KEY: 'noise.mp4', RENDITIONS: [720] },
    { s3, logger: new Logger({ logLevel: 'ERROR' }), signal: new AbortController().signal },
  );
  const [r] = manifest.renditions;
  expect(r?.bytes).toBeGreaterThan(8 * 1024 * 1024);
  const head = await s3.send(new HeadObjectCommand({ Bucket: output, Key: r?.key }));
  expect(head.ContentLength).toBe(r?.bytes);
  // S3 marks an object assembled from N parts with an ETag ending in -N.
  expect(head.ETag).toMatch(/-[2-9]\d*"$/);
  expect(r?.etag).toBe(head.ETag?.slice(1, -1));
});
