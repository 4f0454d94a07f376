import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTaskDefinitionCommand, ECSClient, RunTaskCommand } from '@aws-sdk/client-ecs';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { deployLocal, destroyLocal } from '@samples/cdk';
import { describeWith, emulator, uniqueName } from '@samples/emulator/testing';
import { listKeys, waitForTaskStopped } from '@samples/emulator/waiters';
import { makeClip } from '@samples/test-support/clips';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { taskEnvironment } from '../src/contract.ts';

const PACKAGE_DIR = new URL('..', import.meta.url).pathname;

// The transcoder's own CDK stack deployed into the emulator with the CDK CLI (its isolated VPC
// and endpoints, cluster, task definition, task role, buckets), then started by RunTask with
// container overrides, as a Step Functions state or the launcher starts it on AWS.
describeWith(['cloudformation', 'ecs', 's3', 'iam'], 'transcoder stack: RunTask with container overrides', () => {
  let ecs: ECSClient;
  let s3: S3Client;
  let outputs: Record<string, string>;
  let opts: Parameters<typeof deployLocal>[0];
  let input: string;
  let output: string;

  beforeAll(async () => {
    const info = emulator();
    ecs = new ECSClient({});
    s3 = new S3Client({});
    const stackName = `Transcoder-${uniqueName('ecs').replaceAll('-', '')}`.slice(0, 60);
    // ministack's CloudFormation has no AWS::EC2::FlowLog: the stack's flowLogs option is off here.
    console.info(
      `[emulator] ${info.description}: transcoder stack deployed with -c flowLogs=false (no AWS::EC2::FlowLog)`,
    );
    opts = { cwd: PACKAGE_DIR, env: { ...process.env, ...info.env }, stackName, context: { flowLogs: 'false' } };
    outputs = await deployLocal(opts);
    input = outputs.InputBucket as string;
    output = outputs.OutputBucket as string;
    await s3.send(
      new PutObjectCommand({ Bucket: input, Key: 'in/clip.mp4', Body: makeClip({ width: 1280, height: 720 }) }),
    );
  });
  afterAll(async () => {
    if (outputs) await destroyLocal(opts);
  });

  /** The container's log lines, from the log group its task definition names (awslogs). */
  async function taskLog(taskArn: string): Promise<string> {
    const { taskDefinition } = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: outputs.TaskDefinition }),
    );
    const options = taskDefinition?.containerDefinitions?.[0]?.logConfiguration?.options ?? {};
    const { events = [] } = await new CloudWatchLogsClient({}).send(
      new GetLogEventsCommand({
        logGroupName: options['awslogs-group'],
        logStreamName: `${options['awslogs-stream-prefix']}/transcoder/${taskArn.split('/').pop()}`,
      }),
    );
    return events.map((e) => e.message).join('\n');
  }

  async function runTask(key: string, inputEtag?: string, more: { outputPrefix?: string } = {}) {
    const res = await ecs.send(
      new RunTaskCommand({
        cluster: outputs.Cluster,
        taskDefinition: outputs.TaskDefinition,
        launchType: 'FARGATE',
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: (outputs.Subnets as string).split(','),
            securityGroups: [outputs.SecurityGroup as string],
            assignPublicIp: 'DISABLED',
          },
        },
        overrides: {
          containerOverrides: [
            {
              name: 'transcoder',
              environment: taskEnvironment({
                inputBucket: input,
                inputKey: key,
                inputEtag,
                x264Preset: 'veryfast',
                ...more,
              }),
            },
          ],
        },
      }),
    );
    const arn = res.tasks?.[0]?.taskArn;
    expect(arn, JSON.stringify(res.failures)).toBeDefined();
    return waitForTaskStopped(ecs, outputs.Cluster as string, arn as string);
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

  // The task role lets the task write under processed/ only: told to write elsewhere, the task is
  // denied by IAM and fails (exit 1), and nothing is written there.
  describeWith(['iam-enforcement'], 'with its task role enforced', () => {
    it('fails with AccessDenied when told to write outside processed/', async () => {
      const run = await runTask('in/clip.mp4', undefined, { outputPrefix: 'elsewhere' });
      expect(run.exitCode, run.why).toBe(1);
      expect(await listKeys(s3, output, 'elsewhere/')).toEqual([]);
      expect(await taskLog(run.taskArn)).toMatch(/not authorized to perform: s3:PutObject/);
    });
  });
});
