import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { emulator, uniqueName } from '@samples/emulator/testing';
import { listKeys, waitFor } from '@samples/emulator/waiters';
import { ffprobe, makeAudioOnly, makeClip, makeCutShortClip, makeRotatedClip } from '@samples/test-support/clips';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTranscoderImage } from '../scripts/image.ts';
import { runTask, sendSignal } from './task.ts';

// The real image (Debian's ffmpeg, the bundled program, non-root) run by testcontainers as an
// ECS task would run it, against the emulator's S3. veryfast keeps the suite short on two
// cores; everything else (libx264 crf 23, AAC, +faststart) is the production setting.
let image: string;
let s3: S3Client;
let env: Record<string, string>;
const input = uniqueName('tc-in');
const output = uniqueName('tc-out');

beforeAll(async () => {
  const info = emulator();
  s3 = new S3Client({});
  env = { ...info.env, AWS_ENDPOINT_URL: info.containerEndpoint, INPUT_BUCKET: input, OUTPUT_BUCKET: output };
  await s3.send(new CreateBucketCommand({ Bucket: input }));
  await s3.send(new CreateBucketCommand({ Bucket: output }));
  image = await buildTranscoderImage();
});

const put = (key: string, body: Uint8Array) => s3.send(new PutObjectCommand({ Bucket: input, Key: key, Body: body }));
const get = async (key: string) =>
  (await s3.send(new GetObjectCommand({ Bucket: output, Key: key }))).Body!.transformToByteArray();

interface Manifest {
  source: { width: number; height: number; hasAudio: boolean };
  renditions: {
    name: string;
    key: string;
    width: number;
    height: number;
    bytes: number;
    durationSeconds: number;
    bitrate: number;
  }[];
}

/** Transcodes one clip and checks every output with ffprobe: H.264 (+AAC), size, duration within a frame. */
async function transcodeAndCheck(
  clip: { width: number; height: number; audio?: boolean },
  expected: [name: string, width: number, height: number][],
) {
  const prefix = uniqueName('p');
  const key = `uploads/${clip.width}x${clip.height}.mp4`;
  await put(key, makeClip(clip));
  const run = await runTask(image, { ...env, INPUT_KEY: key, OUTPUT_PREFIX: prefix, X264_PRESET: 'veryfast' });
  expect(run.exitCode, run.logs).toBe(0);
  const manifest = JSON.parse(
    Buffer.from(await get(`${prefix}/manifest/uploads/${clip.width}x${clip.height}.mp4.json`)).toString(),
  ) as Manifest;
  expect(manifest.renditions.map((r) => [r.name, r.width, r.height])).toEqual(expected);
  expect((await listKeys(s3, output, `${prefix}/`)).sort()).toEqual(
    [
      ...expected.map(([n]) => `${prefix}/${n}/uploads/${clip.width}x${clip.height}.mp4.mp4`),
      `${prefix}/manifest/uploads/${clip.width}x${clip.height}.mp4.json`,
    ].sort(),
  );
  for (const r of manifest.renditions) {
    const bytes = await get(r.key);
    expect(bytes.byteLength).toBe(r.bytes);
    const facts = ffprobe(bytes);
    const video = facts.streams.find((s) => s.codec_type === 'video');
    const audio = facts.streams.find((s) => s.codec_type === 'audio');
    expect(video?.codec_name).toBe('h264');
    expect(video?.pix_fmt).toBe('yuv420p');
    expect([video?.width, video?.height]).toEqual([r.width, r.height]);
    expect(audio?.codec_name).toBe(clip.audio === false ? undefined : 'aac');
    // Within one frame (30 fps) of the 2 s source; AAC priming may add a few ms.
    expect(Math.abs(Number(facts.format.duration) - 2)).toBeLessThanOrEqual(1 / 30 + 0.03);
    expect(r.bitrate).toBeGreaterThan(0);
    // +faststart: the index (moov) comes before the media data (mdat).
    const head = Buffer.from(bytes.subarray(0, 64 * 1024)).toString('latin1');
    expect(head.indexOf('moov')).toBeGreaterThan(-1);
    expect(head.indexOf('moov')).toBeLessThan(head.indexOf('mdat'));
  }
  const progress = run.lines.filter((l) => l.message === 'progress' || l.message === 'transcoded');
  expect(progress.length).toBeGreaterThan(0);
  return manifest;
}

describe('transcoder task (image run against the emulator)', () => {
  it('turns a landscape 1080p clip into 1080p, 720p and 480p from one ffmpeg run', async () => {
    await transcodeAndCheck({ width: 1920, height: 1080 }, [
      ['1080p', 1920, 1080],
      ['720p', 1280, 720],
      ['480p', 854, 480],
    ]);
  });

  it('keeps a portrait clip portrait, without upscaling', async () => {
    await transcodeAndCheck({ width: 720, height: 1280 }, [
      ['720p', 720, 1280],
      ['480p', 480, 854],
    ]);
  });

  it('keeps a phone clip recorded upright portrait: coded 1280x720, rotated 90 degrees', async () => {
    const prefix = uniqueName('rot');
    const key = 'uploads/phone.mp4';
    await put(key, makeRotatedClip({ width: 1280, height: 720, degrees: 90 }));
    const run = await runTask(image, { ...env, INPUT_KEY: key, OUTPUT_PREFIX: prefix, X264_PRESET: 'veryfast' });
    expect(run.exitCode, run.logs).toBe(0);
    const manifest = JSON.parse(Buffer.from(await get(`${prefix}/manifest/${key}.json`)).toString()) as Manifest;
    expect(manifest.renditions.map((r) => `${r.name} ${r.width}x${r.height}`)).toEqual([
      '720p 720x1280',
      '480p 480x854',
    ]);
    for (const r of manifest.renditions) {
      const video = ffprobe(await get(r.key)).streams.find((s) => s.codec_type === 'video');
      expect([video?.width, video?.height]).toEqual([r.width, r.height]);
    }
  });

  it('does not upscale a 360p clip: one rendition at its own size', async () => {
    await transcodeAndCheck({ width: 640, height: 360 }, [['360p', 640, 360]]);
  });

  it('handles a clip without an audio track', async () => {
    const m = await transcodeAndCheck({ width: 854, height: 480, audio: false }, [['480p', 854, 480]]);
    expect(m.source.hasAudio).toBe(false);
  });

  it.each([
    ['not a video', () => Buffer.from('this is plain text, not a video\n'.repeat(50)), /not a readable media file/],
    ['audio only', () => makeAudioOnly(), /no video stream/],
    ['zero bytes', () => Buffer.alloc(0), /empty/],
    [
      'an upload cut short (faststart, 60% of its bytes)',
      () => makeCutShortClip({ width: 640, height: 360, seconds: 4, fraction: 0.6 }),
      /damaged or cut short/,
    ],
    ['a missing key', undefined, /does not exist/],
  ] as const)('refuses %s with exit code 2, a clear log and nothing written', async (_what, body, reason) => {
    const prefix = uniqueName('bad');
    const key = `bad/${prefix}.mp4`;
    if (body) await put(key, body());
    const run = await runTask(image, { ...env, INPUT_KEY: key, OUTPUT_PREFIX: prefix });
    expect(run.exitCode, run.logs).toBe(2);
    const error = run.lines.find((l) => l.message === 'invalid input');
    expect(error?.reason, run.logs).toMatch(reason);
    expect(await listKeys(s3, output, `${prefix}/`)).toEqual([]);
  });

  it('keeps a hostile key out of the file system and writes it back as a plain S3 key', async () => {
    const prefix = uniqueName('odd');
    const key = `../../etc/${'ü'.repeat(100)} clip.mp4`;
    await put(key, makeClip({ width: 320, height: 240, audio: false }));
    const run = await runTask(image, { ...env, INPUT_KEY: key, OUTPUT_PREFIX: prefix, X264_PRESET: 'veryfast' });
    expect(run.exitCode, run.logs).toBe(0);
    expect((await listKeys(s3, output, `${prefix}/`)).sort()).toEqual(
      [
        `${prefix}/240p/../../etc/${'ü'.repeat(100)} clip.mp4.mp4`,
        `${prefix}/manifest/../../etc/${'ü'.repeat(100)} clip.mp4.json`,
      ].sort(),
    );
  });

  it('on SIGTERM mid-transcode stops ffmpeg, exits non-zero and leaves no manifest and no outputs', async () => {
    const prefix = uniqueName('stop');
    const key = 'long/1080p-20s.mp4';
    await put(key, makeClip({ width: 1920, height: 1080, seconds: 20 }));
    const run = await runTask(
      image,
      { ...env, INPUT_KEY: key, OUTPUT_PREFIX: prefix, X264_PRESET: 'slow', PROGRESS_INTERVAL_MS: '200' },
      async (id, logs) => {
        await waitFor(
          'the first progress line',
          async () => ((await logs()).includes('"message":"progress"') ? true : undefined),
          {
            timeoutMs: 120_000,
            intervalMs: 250,
          },
        );
        await sendSignal(id, 'TERM');
      },
    );
    expect(run.exitCode, run.logs).not.toBe(0);
    expect(run.lines.some((l) => l.message === 'stopped')).toBe(true);
    expect(run.lines.some((l) => l.message === 'manifest written')).toBe(false);
    expect(await listKeys(s3, output, `${prefix}/`)).toEqual([]);
  });
});
