import {
  CreateClusterCommand,
  DescribeTasksCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
} from '@aws-sdk/client-ecs';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describeWith, emulator, uniqueName } from '@samples/emulator/testing';
import { listKeys, waitFor } from '@samples/emulator/waiters';
import { beforeAll, expect, it } from 'vitest';
import { taskEnvironment } from '../src/contract.ts';
import { makeClip } from './clips.ts';
import { buildTranscoderImage } from './image.ts';

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
    const info = emulator();
    ecs = new ECSClient({});
    s3 = new S3Client({});
    const image = await buildTranscoderImage();
    await s3.send(new CreateBucketCommand({ Bucket: input }));
    await s3.send(new CreateBucketCommand({ Bucket: output }));
    await s3.send(
      new PutObjectCommand({ Bucket: input, Key: 'in/clip.mp4', Body: makeClip({ width: 1280, height: 720 }) }),
    );
    await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family,
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '2048',
        memory: '4096',
        containerDefinitions: [
          {
            name: 'transcoder',
            image,
            essential: true,
            stopTimeout: 30,
            environment: [
              { name: 'OUTPUT_BUCKET', value: output },
              { name: 'X264_PRESET', value: 'veryfast' },
              // The emulator reaches tasks through a host name, so buckets go in the path.
              { name: 'S3_FORCE_PATH_STYLE', value: 'true' },
              // Fargate sets AWS_REGION in every task and serves the task role's credentials
              // from 169.254.170.2; the emulator sets neither usably (its credentials URI is
              // plain HTTP to a host name, which the SDK refuses), so the test passes both.
              { name: 'AWS_REGION', value: info.region },
              ...['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']
                .filter((k) => info.env[k])
                .map((k) => ({ name: k, value: info.env[k] as string })),
            ],
          },
        ],
      }),
    );
  });

  async function runTask(key: string): Promise<{ exitCode: number | undefined; why: string }> {
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
    const task = await waitFor(
      `task ${arn} to stop`,
      async () => {
        const t = (await ecs.send(new DescribeTasksCommand({ cluster, tasks: [arn as string] }))).tasks?.[0];
        return t?.lastStatus === 'STOPPED' && t.containers?.[0]?.exitCode !== undefined ? t : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 1000 },
    );
    const c = task.containers?.[0];
    return { exitCode: c?.exitCode, why: `${task.stoppedReason ?? ''} ${c?.reason ?? ''}`.trim() };
  }

  it('transcodes the object named by the overrides and exits 0', async () => {
    const run = await runTask('in/clip.mp4');
    expect(run.exitCode, run.why).toBe(0);
    expect((await listKeys(s3, output, 'processed/')).sort()).toEqual([
      'processed/480p/in/clip.mp4',
      'processed/720p/in/clip.mp4',
      'processed/manifest/in/clip.json',
    ]);
    const manifest = JSON.parse(
      await (
        await s3.send(new GetObjectCommand({ Bucket: output, Key: 'processed/manifest/in/clip.json' }))
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
