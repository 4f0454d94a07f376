/**
 * What the orchestration costs: the same clip transcoded by the same task definition,
 * started (a) by the ecs-task-launcher function on upload, the baseline, and (b) by the
 * Step Functions pipeline (trigger, ValidateVideo, runTask.sync, NotifyComplete). Times from
 * the upload to the manifest in S3 (a) and to the notice on the topic (b); median of
 * `ROUNDS` (default 10), both in turn each round (the order flipped each round). Prints both and the ratio taken round by round
 * (median, min-max), and records them in bench-results/.
 */
import { ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { inTurn, machineFacts, ratioText, recordResults, spread } from '@samples/bench';
import { deployLocal, type LocalDeployOptions } from '@samples/cdk';
import { startEmulator } from '@samples/emulator';
import { waitFor, waitForExecution } from '@samples/emulator/waiters';
import { makeClip } from '@samples/test-support/clips';
import { manifestKey } from '@samples/transcoder/contract';
import type { Notice } from '../src/notice.ts';
import { deployPipeline } from '../test/stack.ts';

// The emulator polls a .sync task once a second: the pipeline's times come in steps of about 1 s,
// and it takes rounds for their median ratio to settle.
const rounds = Number(process.env.ROUNDS ?? 10);
const emu = await startEmulator();
Object.assign(process.env, emu.env);
console.log(`emulator: ${emu.description}`);

const s3 = new S3Client({});
const ecs = new ECSClient({});
const sfn = new SFNClient({});
const sqs = new SQSClient({});
const clip = makeClip({ width: 1280, height: 720, seconds: 2 });
const stamp = Date.now().toString(36);
const median = (xs: number[]) => spread(xs).median;

// The launcher's own CDK stack, as its e2e deploys it (ministack's CloudFormation has no
// AWS::EC2::FlowLog: flow logs off).
const launcherDeploy: LocalDeployOptions = {
  cwd: new URL('../../ecs-task-launcher/', import.meta.url).pathname,
  env: { ...process.env, ...emu.env },
  stackName: `BenchLauncher${stamp}`,
  context: { flowLogs: 'false' },
};

try {
  const outputs = await deployLocal(launcherDeploy);
  const launcher = {
    inputBucket: outputs.UploadsBucket as string,
    outputBucket: outputs.RenditionsBucket as string,
    cluster: outputs.Cluster as string,
  };
  const pipeline = await deployPipeline(`bench-pipe-${stamp}`);
  /** Upload to the launcher's bucket, ms until the manifest is there. */
  const viaLauncher = async (key: string) => {
    const t = Date.now();
    await s3.send(
      new PutObjectCommand({ Bucket: launcher.inputBucket, Key: key, Body: clip, ContentType: 'video/mp4' }),
    );
    await waitFor(
      `manifest of ${key} (launcher)`,
      () =>
        s3
          .send(new HeadObjectCommand({ Bucket: launcher.outputBucket, Key: manifestKey('processed', key) }))
          .then(() => true),
      { timeoutMs: 180_000, intervalMs: 100 },
    );
    return Date.now() - t;
  };
  /** Upload to the pipeline's bucket, ms until its notice is on the queue. */
  const viaPipeline = async (key: string) => {
    const t = Date.now();
    await s3.send(
      new PutObjectCommand({ Bucket: pipeline.inputBucket, Key: key, Body: clip, ContentType: 'video/mp4' }),
    );
    await waitFor(
      `a notice for ${key} (pipeline)`,
      async () => {
        // This key's notice, not an earlier round's that came back after its visibility timeout.
        const res = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: pipeline.noticesUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }),
        );
        let mine = false;
        for (const m of res.Messages ?? []) {
          const notice = JSON.parse((JSON.parse(m.Body ?? '{}') as { Message: string }).Message) as Notice;
          mine ||= notice.source.key === key;
          await sqs.send(new DeleteMessageCommand({ QueueUrl: pipeline.noticesUrl, ReceiptHandle: m.ReceiptHandle }));
        }
        return mine ? true : undefined;
      },
      { timeoutMs: 240_000, intervalMs: 0 },
    );
    return Date.now() - t;
  };
  // One warm-up each: the first task of an image and the first invocations are slower.
  await viaLauncher('uploads/clip-warm-up.mp4');
  await viaPipeline('uploads/clip-warm-up.mp4');
  const { a: direct, b: orchestrated } = await inTurn(
    rounds,
    (i) => viaLauncher(`uploads/clip-${i}.mp4`),
    (i) => viaPipeline(`uploads/clip-${i}.mp4`),
  );
  const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: pipeline.stateMachineArn }));
  for (const e of listed.executions ?? []) {
    const d = await waitForExecution(sfn, e.executionArn as string);
    if (d.status !== 'SUCCEEDED') throw new Error(`execution ${e.name} ${d.status}: ${d.cause}`);
  }
  const tasks = await ecs.send(new ListTasksCommand({ cluster: launcher.cluster, desiredStatus: 'STOPPED' }));
  const a = median(direct);
  const b = median(orchestrated);
  // Each round uploads to both in turn: the ratio is taken within the round.
  const ratio = spread(orchestrated.map((x, i) => x / (direct[i] as number)));
  console.log(
    `rounds: ${rounds} (after one warm-up), 2 s 1280x720 clip, tasks via launcher: ${tasks.taskArns?.length}`,
  );
  console.log(`(a) upload -> launcher -> RunTask -> manifest:          median ${(a / 1000).toFixed(2)} s`);
  console.log(`(b) upload -> trigger -> state machine -> notice:       median ${(b / 1000).toFixed(2)} s`);
  console.log(
    `pipeline / launcher, round by round: ${ratioText(ratio)} (orchestration overhead ${((b - a) / 1000).toFixed(2)} s at the medians)`,
  );
  recordResults(
    'video-pipeline',
    [
      { figure: 'upload -> launcher -> RunTask -> manifest (emulator)', value: `${(a / 1000).toFixed(2)} s` },
      {
        figure: 'upload -> trigger -> state machine -> notice (emulator)',
        value: `${(b / 1000).toFixed(2)} s`,
        baseline: 'the launcher path',
        ratio,
      },
    ],
    machineFacts({ backend: emu.backend, rounds: String(rounds) }),
  );
} finally {
  await emu.stop();
}
