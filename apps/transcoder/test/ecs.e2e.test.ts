import { ECSClient, RunTaskCommand } from '@aws-sdk/client-ecs';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { describeWith, emulator, uniqueName } from '@samples/emulator/testing';
import { listKeys } from '@samples/emulator/waiters';
import { beforeAll, expect, it } from 'vitest';
import { taskEnvironment } from '../src/contract.ts';
import { makeClip } from './clips.ts';
import { deployTranscoderTask, waitForTaskStopped } from './ecs.ts';

// The image deployed as an ECS task definition and started by RunTask with container
// overrides, as a Step Functions state or an EventBridge rule would start it on AWS.
describeWith(['ecs', 's3'], 'transcoder as an ECS task (RunTask with container overrides)', () => {
  let ecs: ECSClient;
  let s3: S3Client;
  const cluster = uniqueName('media');
  const family = uniqueName('transcoder');
  const input = uniqueName('ecs-in');
  const output = uniqueName('ecs-out');

  beforeAll(async () => {
    emulator();
    ecs = new ECSClient({});
    s3 = new S3Client({});
    await s3.send(new CreateBucketCommand({ Bucket: input }));
    await s3.send(new CreateBucketCommand({ Bucket: output }));
    await s3.send(
      new PutObjectCommand({ Bucket: input, Key: 'in/clip.mp4', Body: makeClip({ width: 1280, height: 720 }) }),
    );
    await deployTranscoderTask({ cluster, family, outputBucket: output, ecs });
  });

  async function runTask(key: string, inputEtag?: string) {
    const res = await ecs.send(
      new RunTaskCommand({
        cluster,
        taskDefinition: family,
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-12345678'], assignPublicIp: 'DISABLED' } },
        overrides: {
          containerOverrides: [
            {
              name: 'transcoder',
              environment: taskEnvironment({ inputBucket: input, inputKey: key, inputEtag }),
            },
          ],
        },
      }),
    );
    const arn = res.tasks?.[0]?.taskArn;
    expect(arn, JSON.stringify(res.failures)).toBeDefined();
    return waitForTaskStopped(ecs, cluster, arn as string);
  }

  it('transcodes the object named by the overrides and exits 0', async () => {
    const run = await runTask('in/clip.mp4');
    expect(run.exitCode, run.why).toBe(0);
    expect((await listKeys(s3, output, 'processed/')).sort()).toEqual([
      'processed/480p/in/clip.mp4.mp4',
      'processed/720p/in/clip.mp4.mp4',
      'processed/manifest/in/clip.mp4.json',
    ]);
    const manifest = JSON.parse(
      await (
        await s3.send(new GetObjectCommand({ Bucket: output, Key: 'processed/manifest/in/clip.mp4.json' }))
      ).Body!.transformToString(),
    ) as { renditions: { name: string; width: number; height: number }[] };
    expect(manifest.renditions.map((r) => `${r.name} ${r.width}x${r.height}`)).toEqual([
      '720p 1280x720',
      '480p 854x480',
    ]);
  });

  it('with INPUT_ETAG transcodes that upload only: exit 0 for it, exit 2 once the key holds another object', async () => {
    const key = 'in/replaced.mp4';
    await s3.send(new PutObjectCommand({ Bucket: input, Key: key, Body: makeClip({ width: 320, height: 240 }) }));
    const first = (await s3.send(new HeadObjectCommand({ Bucket: input, Key: key }))).ETag?.replaceAll('"', '');
    const ok = await runTask(key, first);
    expect(ok.exitCode, ok.why).toBe(0);
    expect(ok.environment.INPUT_ETAG).toBe(first);
    const manifestKey = 'processed/manifest/in/replaced.mp4.json';
    const manifest = async () =>
      (await s3.send(new GetObjectCommand({ Bucket: output, Key: manifestKey }))).Body!.transformToString();
    const before = await manifest();
    expect(JSON.parse(before)).toMatchObject({ version: 2, source: { key, etag: first } });

    await s3.send(
      new PutObjectCommand({ Bucket: input, Key: key, Body: makeClip({ width: 320, height: 240, audio: false }) }),
    );
    const stale = await runTask(key, first);
    expect(stale.exitCode, stale.why).toBe(2);
    expect(await manifest()).toBe(before);
  });

  it('exits 2 for a key that does not exist', async () => {
    const run = await runTask('in/missing.mp4');
    expect(run.exitCode, run.why).toBe(2);
    expect(await listKeys(s3, output, 'processed/manifest/in/missing')).toEqual([]);
  });
});
