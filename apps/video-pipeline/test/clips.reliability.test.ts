import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { type FaultPlan, readFaults, setFaults } from '@samples/emulator/faults';
import { describeFaults, recordResult, retriesOf } from '@samples/emulator/reliability';
import { describeWith, emulator, uniqueName } from '@samples/emulator/testing';
import { drain, listKeys, waitFor } from '@samples/emulator/waiters';
import { makeClip } from '@samples/test-support/clips';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Notice } from '../src/notice.ts';
import { deployPipeline, type PipelineStack } from './stack.ts';

// Clips uploaded at once through the deployed pipeline (infra/stack.ts: the trigger, the state
// machine, the transcoder as ECS tasks, the notices topic) while the proxy fails 5% of the S3 and
// SNS calls of the functions and the tasks as those services fail (500, 503, throttling, dropped
// connections, latency; half of them after the call took effect, its answer lost): every clip
// gets one execution that succeeds, one manifest, and one VideoTranscoded notice, a second one
// only where a publish took effect and its answer was lost (notices are at least once; the
// README says subscribers deduplicate on executionArn). On a backend whose functions and tasks
// do not call through the proxy the burst runs without faults, and says so. The figures go to
// reliability-results/ (README, "Reliability").
const FULL = process.env.RELIABILITY_PROFILE === 'full';
const PROFILE = FULL ? 'full' : 'ci';
// RELIABILITY_CLIPS overrides either profile's count.
const CLIPS = Number(process.env.RELIABILITY_CLIPS) || (FULL ? 50 : 20);
const FAULTS: FaultPlan = {
  rate: 0.05,
  kinds: ['internal', 'unavailable', 'throttling', 'reset', 'latency'],
  services: ['s3', 'sns'],
  afterShare: 0.5,
  latencyMs: 200,
  seed: 29,
};
const info = emulator();
const faulted = info.functionsThroughProxy;

describeWith(
  ['cloudformation', 'cloudformation-custom-resources', 'lambda', 'ecs', 's3', 'sns', 'sqs', 'stepfunctions', 'iam'],
  'video pipeline under a burst of clips',
  () => {
    let stack: PipelineStack;
    // The test's own calls go to the emulator itself, past the proxy and its faults.
    const s3 = new S3Client({ endpoint: info.emulatorEndpoint, forcePathStyle: true });
    const sfn = new SFNClient({ endpoint: info.emulatorEndpoint });
    const sqs = new SQSClient({ endpoint: info.emulatorEndpoint });

    beforeAll(async () => {
      const t0 = performance.now();
      stack = await deployPipeline(uniqueName('rel-pipeline'), { ...process.env, ...info.env });
      console.log(`[reliability] video pipeline deployed in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    });

    afterAll(async () => {
      await setFaults(info.endpoint, undefined);
      await stack?.destroy();
    });

    /** Every notice on the subscribed queue, received and deleted. */
    const drainNotices = async (): Promise<Notice[]> =>
      (await drain(sqs, stack.noticesUrl)).map(
        (m) => JSON.parse((JSON.parse(m.Body ?? '{}') as { Message: string }).Message) as Notice,
      );

    it(`transcodes and announces every clip once: ${CLIPS} clips at once, ${faulted ? '5% S3 and SNS faults' : 'no faults'}`, async () => {
      const clip = makeClip({ width: 320, height: 240, seconds: 2 });
      const keys = Array.from({ length: CLIPS }, (_, i) => `uploads/burst/clip-${String(i).padStart(3, '0')}.mp4`);
      if (faulted) await setFaults(info.endpoint, FAULTS);
      else
        console.warn(
          `[reliability] backend ${info.backend} runs its functions and tasks outside the proxy: no faults injected`,
        );
      const t0 = performance.now();
      await Promise.all(
        keys.map((Key) =>
          s3.send(new PutObjectCommand({ Bucket: stack.inputBucket, Key, Body: clip, ContentType: 'video/mp4' })),
        ),
      );
      const notices: Notice[] = [];
      const manifestsOf = async () => listKeys(s3, stack.outputBucket, 'processed/manifest/uploads/burst/');
      await waitFor(
        `${CLIPS} manifests and ${CLIPS} notices`,
        async () => {
          notices.push(...(await drainNotices()));
          const manifests = await manifestsOf();
          const announced = new Set(notices.filter((n) => n.eventType === 'VideoTranscoded').map((n) => n.source.key));
          if (manifests.length < CLIPS || announced.size < CLIPS) {
            throw new Error(`${manifests.length} manifests, ${announced.size} clips announced`);
          }
          return true;
        },
        { timeoutMs: (FULL ? 1800 : 600) * 1000, intervalMs: 1000 },
      );
      const seconds = (performance.now() - t0) / 1000;
      await new Promise((r) => setTimeout(r, 3000));
      notices.push(...(await drainNotices()));
      const report = await readFaults(info.endpoint);
      await setFaults(info.endpoint, undefined);
      // A publish that took effect and whose answer was lost is published again by the SDK.
      const lostPublishAnswers = Object.entries(report.services.sns?.injected ?? {})
        .filter(([k]) => k.endsWith(':after'))
        .reduce((n, [, c]) => n + c, 0);

      const executions =
        (await sfn.send(new ListExecutionsCommand({ stateMachineArn: stack.stateMachineArn, maxResults: 1000 })))
          .executions ?? [];
      const byStatus = Object.groupBy(executions, (e) => e.status ?? 'UNKNOWN');
      const manifests = (await manifestsOf()).sort();
      const transcoded = notices.filter((n) => n.eventType === 'VideoTranscoded');
      const perKey = new Map<string, number>();
      for (const n of transcoded) perKey.set(n.source.key, (perKey.get(n.source.key) ?? 0) + 1);
      const extra = [...perKey.values()].reduce((n, c) => n + c - 1, 0);
      const other = notices.filter((n) => n.eventType !== 'VideoTranscoded');
      const table = recordResult({
        scenario: `video pipeline, a burst of clips, ${faulted ? '5% faults on S3 and SNS' : 'no faults'}`,
        profile: PROFILE,
        messages: CLIPS,
        duplicates: 0,
        poison: 0,
        faults: describeFaults(report),
        retries: retriesOf(report),
        stored: manifests.length,
        announced: perKey.size,
        deadLettered: (byStatus.FAILED?.length ?? 0) + (byStatus.TIMED_OUT?.length ?? 0),
        lost: CLIPS - Math.min(manifests.length, perKey.size),
        twice: extra + Math.max(0, executions.length - CLIPS),
        perSecond: CLIPS / seconds,
        date: new Date().toISOString().slice(0, 10),
      });
      console.log(
        `[reliability] ${CLIPS} clips: ${manifests.length} manifests, ${perKey.size} announced in ${seconds.toFixed(1)} s; ` +
          `executions ${JSON.stringify(Object.fromEntries(Object.entries(byStatus).map(([k, v]) => [k, v?.length])))}; ` +
          `other notices ${other.length}; proxy counts: ${JSON.stringify(report.services)}\n${table}`,
      );

      expect(manifests).toEqual(keys.map((k) => `processed/manifest/${k}.json`).sort());
      expect([...perKey.keys()].sort()).toEqual(keys);
      expect(extra).toBeLessThanOrEqual(lostPublishAnswers);
      expect(other).toEqual([]);
      expect(executions).toHaveLength(CLIPS);
      expect(byStatus.SUCCEEDED).toHaveLength(CLIPS);
      if (faulted) {
        // Faults were injected on both services and the SDKs (in the functions and the tasks) retried them.
        expect(Object.keys(report.services).sort()).toEqual(['s3', 'sns']);
        expect(retriesOf(report)).toBeGreaterThan(0);
      }
    });
  },
);
