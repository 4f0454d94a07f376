import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { waitFor, waitForExecution } from '@samples/emulator/waiters';
import { makeClip } from '@samples/test-support/clips';
import { manifestKey } from '@samples/transcoder/contract';
import { deployPipeline } from '@samples/video-pipeline/testing';
import type { Flow } from '../flow.ts';
import { videoItem } from '../media.ts';

/** The states an execution entered, in order, from its event history. */
async function statesEntered(sfn: SFNClient, executionArn: string): Promise<string[]> {
  const states: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn, nextToken, includeExecutionData: false }),
    );
    for (const event of page.events ?? []) {
      if (event.type?.endsWith('StateEntered') && event.stateEnteredEventDetails?.name) {
        states.push(event.stateEnteredEventDetails.name);
      }
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return states;
}

/**
 * The Step Functions pipeline: a clip and a text file uploaded; the clip is validated,
 * transcoded by the transcoder as an ECS task and announced, the text file rejected.
 */
export const flow: Flow = {
  workload: 'video-pipeline',
  input: '2 s 1280x720 clip + a .txt upload',
  needs: ['stepfunctions', 'lambda', 'ecs', 's3', 'sns'],
  async run(ctx) {
    const s3 = new S3Client({});
    const sfn = new SFNClient({});
    ctx.progress('deploying: transcoder task definition, 3 functions, state machine, topic');
    const stack = await deployPipeline(`demo-pipeline-${Date.now().toString(36)}`);
    const started = Date.now();
    const clipBody = makeClip({ width: 1280, height: 720, seconds: 2 });
    writeFileSync(join(ctx.outDir, 'clip.mp4'), clipBody);
    await s3.send(
      new PutObjectCommand({
        Bucket: stack.inputBucket,
        Key: 'uploads/clip.mp4',
        Body: clipBody,
        ContentType: 'video/mp4',
      }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: stack.inputBucket,
        Key: 'uploads/notes.txt',
        Body: 'not a video',
        ContentType: 'text/plain',
      }),
    );
    ctx.progress('waiting for two executions');
    const arns = await waitFor('two executions', async () => {
      const res = await sfn.send(new ListExecutionsCommand({ stateMachineArn: stack.stateMachineArn }));
      const list = res.executions ?? [];
      return list.length >= 2 ? list : undefined;
    });
    const ended = await Promise.all(
      arns.map((e) => waitForExecution(sfn, e.executionArn as string, { timeoutMs: 240_000 })),
    );
    const clip = ended.find((e) => JSON.parse(e.input ?? '{}').key === 'uploads/clip.mp4');
    const notes = ended.find((e) => JSON.parse(e.input ?? '{}').key === 'uploads/notes.txt');
    writeFileSync(join(ctx.outDir, 'executions.json'), JSON.stringify(ended, null, 2));
    if (clip?.status !== 'SUCCEEDED') throw new Error(`the clip's execution ended ${clip?.status}: ${clip?.cause}`);
    const manifestText = await (
      await s3.send(
        new GetObjectCommand({ Bucket: stack.outputBucket, Key: manifestKey('processed', 'uploads/clip.mp4') }),
      )
    ).Body!.transformToString();
    writeFileSync(join(ctx.outDir, 'manifest.json'), manifestText);
    const manifest = JSON.parse(manifestText) as { renditions: { name: string; key: string }[] };
    for (const r of manifest.renditions) {
      const body = await (await s3.send(new GetObjectCommand({ Bucket: stack.outputBucket, Key: r.key }))).Body!;
      writeFileSync(join(ctx.outDir, `${r.name}.mp4`), await body.transformToByteArray());
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const executions = [];
    for (const x of [clip, notes]) {
      if (!x?.executionArn) continue;
      const status = x.status === 'FAILED' ? `${x.status} ${x.error}` : `${x.status}`;
      executions.push({
        label: JSON.parse(x.input ?? '{}').key as string,
        status,
        states: await statesEntered(sfn, x.executionArn),
      });
    }
    return {
      summary: `clip SUCCEEDED (${manifest.renditions.map((r) => r.name).join(', ')}); .txt ${notes?.status} ${notes?.error}; ${seconds} s`,
      blocks: [
        { kind: 'path', title: 'States entered (GetExecutionHistory)', executions },
        { kind: 'videos', title: 'Input', items: [videoItem(ctx.outDir, 'clip.mp4', false, 'uploads/clip.mp4')] },
        {
          kind: 'videos',
          title: `Renditions in s3://${stack.outputBucket}`,
          items: manifest.renditions.map((r) => videoItem(ctx.outDir, `${r.name}.mp4`, true, r.key)),
        },
        { kind: 'files', title: 'Written', files: ['manifest.json', 'executions.json'] },
      ],
    };
  },
};
