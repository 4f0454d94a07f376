import { ECSClient, RunTaskCommand } from '@aws-sdk/client-ecs';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
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

  async function runTask(key: string) {
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
              environment: taskEnvironment({ inputBucket: input, inputKey: key }),
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

  it('exits 2 for a key that does not exist', async () => {
    const run = await runTask('in/missing.mp4');
    expect(run.exitCode, run.why).toBe(2);
    expect(await listKeys(s3, output, 'processed/manifest/in/missing')).toEqual([]);
  });
});
