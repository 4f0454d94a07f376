import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { makeClip } from '@samples/test-support/clips';
import { manifestKey } from '@samples/transcoder/contract';
import { buildTranscoderImage } from '@samples/transcoder/image';
import type { Flow } from '../flow.ts';
import { videoItem } from '../media.ts';

interface Manifest {
  renditions: { name: string; key: string; width: number; height: number; bytes: number; bitrate: number }[];
}

/** The transcoder image run once as an ECS task would run it, on a generated 1080p clip in S3. */
export const flow: Flow = {
  workload: 'transcoder',
  input: '3 s 1920x1080 clip (testsrc2 + tone)',
  async run(ctx) {
    const s3 = new S3Client({});
    const stamp = Date.now().toString(36);
    const input = `demo-videos-${stamp}`;
    const output = `demo-renditions-${stamp}`;
    await s3.send(new CreateBucketCommand({ Bucket: input }));
    await s3.send(new CreateBucketCommand({ Bucket: output }));
    const clip = makeClip({ width: 1920, height: 1080, seconds: 3 });
    writeFileSync(join(ctx.outDir, 'clip.mp4'), clip);
    await s3.send(new PutObjectCommand({ Bucket: input, Key: 'uploads/clip.mp4', Body: clip }));
    ctx.progress('building the image (bundle on the host, docker build)');
    const image = await buildTranscoderImage();
    ctx.progress(`running ${image} on s3://${input}/uploads/clip.mp4`);
    const env = {
      ...ctx.emulator.env,
      AWS_ENDPOINT_URL: ctx.emulator.containerEndpoint,
      INPUT_BUCKET: input,
      INPUT_KEY: 'uploads/clip.mp4',
      OUTPUT_BUCKET: output,
      X264_PRESET: 'veryfast',
    };
    const started = Date.now();
    const res = spawnSync(
      'docker',
      ['run', '--rm', ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), image],
      {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    writeFileSync(join(ctx.outDir, 'task.log'), `${res.stdout}${res.stderr}`);
    if (res.status !== 0) throw new Error(`the task exited with ${res.status}; see ${join(ctx.outDir, 'task.log')}`);
    const seconds = (Date.now() - started) / 1000;
    const read = async (key: string) =>
      Buffer.from(
        await (await s3.send(new GetObjectCommand({ Bucket: output, Key: key }))).Body!.transformToByteArray(),
      );
    const manifest = JSON.parse((await read(manifestKey('processed', 'uploads/clip.mp4'))).toString()) as Manifest;
    writeFileSync(join(ctx.outDir, 'manifest.json'), JSON.stringify(manifest, null, 2));
    for (const r of manifest.renditions) writeFileSync(join(ctx.outDir, `${r.name}.mp4`), await read(r.key));
    const list = manifest.renditions
      .map((r) => `${r.name} ${r.width}x${r.height} ${Math.round(r.bitrate / 1000)} kb/s`)
      .join(', ');
    return {
      summary: `${list} in ${seconds.toFixed(1)} s`,
      blocks: [
        { kind: 'videos', title: 'Input', items: [videoItem(ctx.outDir, 'clip.mp4', false, 'uploads/clip.mp4')] },
        {
          kind: 'videos',
          title: `Renditions in s3://${output} (${seconds.toFixed(1)} s in the task)`,
          items: manifest.renditions.map((r) => videoItem(ctx.outDir, `${r.name}.mp4`, true, r.key)),
        },
        { kind: 'files', title: 'Written', files: ['manifest.json', 'task.log'] },
      ],
    };
  },
};
