import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { type FaultPlan, readFaults, restartEmulator, setFaults } from '@samples/emulator/faults';
import { describeFaults, recordResult, retriesOf } from '@samples/emulator/reliability';
import { describeWith, emulator, uniqueName } from '@samples/emulator/testing';
import { drain, listKeys, waitFor } from '@samples/emulator/waiters';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../src/config.ts';
import { planRenditions } from '../src/plan.ts';
import { photo } from './images.ts';
import { s3Event } from './sample-event.ts';
import { deployImageResize, type ImageResizeDeployment } from './stack.ts';

// A burst of uploads through the deployed stack (infra/stack.ts: the S3 trigger, the function with
// sharp, its role, the on-failure queue) while the proxy fails 5% of the function's S3 calls as S3
// does when it fails (500 InternalError, 503 ServiceUnavailable and SlowDown, dropped connections,
// latency; half of them after the call took effect, its answer lost): every upload gets exactly its
// renditions, none missing, none extra, and no event ends in the on-failure queue. On a backend
// whose functions do not call through the proxy the burst runs without faults, and says so. The
// figures go to reliability-results/ (README, "Reliability").
const FULL = process.env.RELIABILITY_PROFILE === 'full';
const PROFILE = FULL ? 'full' : 'ci';
// RELIABILITY_UPLOADS overrides either profile's count.
const UPLOADS = Number(process.env.RELIABILITY_UPLOADS) || (FULL ? 200 : 40);
// Sizes in turn, so that uploads plan different rendition sets (6, 4 and 2 of them by default).
const SIZES = [
  { width: 1600, height: 1200 },
  { width: 800, height: 600 },
  { width: 400, height: 300 },
];
// The restart scenario's uploads: enough that the restart lands with some done and some in flight.
const RESTART_UPLOADS = Number(process.env.RELIABILITY_RESTART_UPLOADS) || (FULL ? 100 : 24);
const PREFIX = 'renditions/';
const FAULTS: FaultPlan = {
  rate: 0.05,
  kinds: ['internal', 'unavailable', 'throttling', 'reset', 'latency'],
  services: ['s3'],
  afterShare: 0.5,
  latencyMs: 200,
  seed: 23,
};
const info = emulator();
const faulted = info.functionsThroughProxy;

describeWith(
  ['cloudformation', 'cloudformation-custom-resources', 'lambda', 's3', 'sqs', 'iam'],
  'image-resize under a burst of uploads',
  () => {
    let stack: ImageResizeDeployment;
    // The test's own calls go to the emulator itself, past the proxy and its faults.
    const s3 = new S3Client({ endpoint: info.emulatorEndpoint, forcePathStyle: true });

    beforeAll(async () => {
      const t0 = performance.now();
      stack = await deployImageResize(uniqueName('rel-resize'));
      console.log(`[reliability] image-resize deployed in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    });

    afterAll(async () => {
      await setFaults(info.endpoint, undefined);
      await stack?.destroy();
    });

    it(`writes exactly each upload's renditions: ${UPLOADS} uploads at once, ${faulted ? '5% S3 faults' : 'no faults'}`, async () => {
      const images = await Promise.all(SIZES.map((s) => photo(s.width, s.height)));
      const config = parseConfig({ DEST_BUCKET: stack.renditionsBucket, DEST_PREFIX: PREFIX });
      const uploads = Array.from({ length: UPLOADS }, (_, i) => {
        const size = SIZES[i % SIZES.length] as (typeof SIZES)[number];
        const key = `uploads/burst/${String(i).padStart(4, '0')}.jpg`;
        return { key, body: images[i % SIZES.length] as Buffer, expected: planRenditions({ ...size, key }, config) };
      });
      const expected = uploads.flatMap((u) => u.expected.map((r) => r.key)).sort();

      if (faulted) await setFaults(info.endpoint, FAULTS);
      else
        console.warn(`[reliability] backend ${info.backend} runs its functions outside the proxy: no faults injected`);
      const t0 = performance.now();
      await Promise.all(
        uploads.map((u) =>
          s3.send(
            new PutObjectCommand({ Bucket: stack.uploadsBucket, Key: u.key, Body: u.body, ContentType: 'image/jpeg' }),
          ),
        ),
      );
      const sentSeconds = (performance.now() - t0) / 1000;
      let written: string[] = [];
      await waitFor(
        `${expected.length} renditions of ${UPLOADS} uploads`,
        async () => {
          written = await listKeys(s3, stack.renditionsBucket, `${PREFIX}uploads/burst/`);
          if (written.length < expected.length) throw new Error(`${written.length} of ${expected.length} written`);
          return true;
        },
        { timeoutMs: (FULL ? 900 : 300) * 1000, intervalMs: 1000 },
      );
      const seconds = (performance.now() - t0) / 1000;
      // A moment more for anything extra (a second, late run of an event) to land.
      await new Promise((r) => setTimeout(r, 3000));
      written = (await listKeys(s3, stack.renditionsBucket, `${PREFIX}uploads/burst/`)).sort();
      const report = await readFaults(info.endpoint);
      await setFaults(info.endpoint, undefined);
      const failed = (await drain(new SQSClient({}), stack.failedEventsQueueUrl)).length;

      const have = new Set(written);
      const complete = uploads.filter((u) => u.expected.every((r) => have.has(r.key))).length;
      const extra = written.filter((k) => !expected.includes(k));
      const table = recordResult({
        scenario: `image-resize, a burst of uploads, ${faulted ? '5% faults on S3' : 'no faults'}`,
        profile: PROFILE,
        messages: UPLOADS,
        duplicates: 0,
        poison: 0,
        faults: describeFaults(report),
        retries: retriesOf(report),
        stored: complete,
        deadLettered: failed,
        lost: UPLOADS - complete,
        twice: extra.length,
        perSecond: UPLOADS / seconds,
        date: new Date().toISOString().slice(0, 10),
      });
      console.log(
        `[reliability] ${UPLOADS} uploads sent in ${sentSeconds.toFixed(1)} s, ${expected.length} renditions ` +
          `written in ${seconds.toFixed(1)} s; on-failure queue ${failed}; proxy counts: ${JSON.stringify(report.services)}\n${table}`,
      );

      expect(written).toEqual(expected);
      expect(complete).toBe(UPLOADS);
      expect(failed).toBe(0);
      if (faulted) {
        // Faults were injected on S3 and the function's SDK retried them.
        expect(Object.keys(report.services)).toEqual(['s3']);
        expect(retriesOf(report)).toBeGreaterThan(0);
      }
    });

    // A host restart of the emulator while uploads are being resized (ministack, process mode,
    // MINISTACK_PERSIST_STATE=1). On AWS an S3 event goes to the function's asynchronous event
    // queue, which survives anything a function does: an invocation that dies is retried (twice,
    // then the on-failure queue). The emulator runs those invocations in its own process, so
    // the ones under way or not yet started when it goes down may be gone with it: the test says
    // how many, sends those events again as Lambda's retry would, and asserts what AWS's retry
    // gives: every upload with exactly its renditions, a partly written one completed, nothing
    // extra. Uploads after the restart prove the trigger itself survived.
    const restartTest = info.restartable ? it : it.skip;
    restartTest(
      `writes exactly each upload's renditions across a restart of the emulator: ${RESTART_UPLOADS} uploads${info.restartable ? '' : ` [skipped: backend ${info.backend} cannot be restarted with its state]`}`,
      async () => {
        const images = await Promise.all(SIZES.map((s) => photo(s.width, s.height)));
        const config = parseConfig({ DEST_BUCKET: stack.renditionsBucket, DEST_PREFIX: PREFIX });
        const upload = (batch: string, n: number) =>
          Array.from({ length: n }, (_, i) => {
            const size = SIZES[i % SIZES.length] as (typeof SIZES)[number];
            const key = `uploads/restart/${batch}-${String(i).padStart(4, '0')}.jpg`;
            return {
              key,
              body: images[i % SIZES.length] as Buffer,
              expected: planRenditions({ ...size, key }, config),
            };
          });
        const before = upload('before', RESTART_UPLOADS);
        const after = upload('after', 6);
        const all = [...before, ...after];
        const expected = all.flatMap((u) => u.expected.map((r) => r.key)).sort();
        const put = (u: (typeof all)[number]) =>
          s3.send(
            new PutObjectCommand({ Bucket: stack.uploadsBucket, Key: u.key, Body: u.body, ContentType: 'image/jpeg' }),
          );
        const written = async () => new Set(await listKeys(s3, stack.renditionsBucket, `${PREFIX}uploads/restart/`));
        const doneOf = (have: Set<string>, us: typeof all) =>
          us.filter((u) => u.expected.every((r) => have.has(r.key)));

        const t0 = performance.now();
        await Promise.all(before.map(put));
        const doneBefore = await waitFor(
          'a quarter of the uploads resized',
          async () => {
            const n = doneOf(await written(), before).length;
            if (n < RESTART_UPLOADS / 4) throw new Error(`${n} done`);
            return n;
          },
          { timeoutMs: 180_000, intervalMs: 200 },
        );
        const restartedInMs = await restartEmulator(info.endpoint);
        await Promise.all(after.map(put));

        // Let what survived the restart run to the end: until no new rendition for 20 s.
        let have = await written();
        for (let quiet = 0, last = -1; quiet < 20 && doneOf(have, all).length < all.length; ) {
          await new Promise((r) => setTimeout(r, 1000));
          have = await written();
          quiet = have.size === last ? quiet + 1 : 0;
          last = have.size;
        }
        const missing = all.filter((u) => !u.expected.every((r) => have.has(r.key)));
        const partial = missing.filter((u) => u.expected.some((r) => have.has(r.key)));
        const afterLost = missing.filter((u) => after.includes(u));
        if (missing.length > 0) {
          console.warn(
            `[reliability] ${info.backend} lost ${missing.length} S3 events across its restart ` +
              `(${partial.length} of them partly written, ${afterLost.length} sent after it); AWS keeps them in the ` +
              "function's asynchronous event queue and retries them: sent again here as that retry would",
          );
        }
        const lambda = new LambdaClient({});
        await Promise.all(
          missing.map((u) =>
            lambda.send(
              new InvokeCommand({
                FunctionName: stack.functionName,
                InvocationType: 'Event',
                Payload: JSON.stringify(s3Event(stack.uploadsBucket, u.key)),
              }),
            ),
          ),
        );
        await waitFor(
          `${expected.length} renditions of ${all.length} uploads`,
          async () => {
            have = await written();
            if (have.size < expected.length) throw new Error(`${have.size} of ${expected.length} written`);
            return true;
          },
          { timeoutMs: 300_000, intervalMs: 1000 },
        );
        const seconds = (performance.now() - t0) / 1000;
        await new Promise((r) => setTimeout(r, 3000));
        const final = (await listKeys(s3, stack.renditionsBucket, `${PREFIX}uploads/restart/`)).sort();
        const failed = (await drain(new SQSClient({}), stack.failedEventsQueueUrl)).length;
        const complete = doneOf(new Set(final), all).length;
        const extra = final.filter((k) => !expected.includes(k));
        const table = recordResult({
          scenario: 'image-resize, the emulator restarted mid-burst',
          profile: PROFILE,
          messages: all.length,
          duplicates: 0,
          poison: 0,
          faults:
            `restart after ${doneBefore} done (${(restartedInMs / 1000).toFixed(1)} s down); ` +
            `${missing.length} events lost by the emulator, sent again`,
          retries: 0,
          stored: complete,
          deadLettered: failed,
          lost: all.length - complete,
          twice: extra.length,
          perSecond: all.length / seconds,
          date: new Date().toISOString().slice(0, 10),
        });
        console.log(
          `[reliability] ${all.length} uploads (${after.length} after the restart); restarted after ${doneBefore} were done, ` +
            `down ${restartedInMs} ms; the emulator lost ${missing.length} events (${partial.length} partly written); ` +
            `all done in ${seconds.toFixed(1)} s\n${table}`,
        );

        expect(final).toEqual(expected);
        expect(complete).toBe(all.length);
        expect(failed).toBe(0);
        // The trigger survived the restart: the uploads after it were resized without a resend.
        expect(afterLost).toEqual([]);
      },
    );
  },
);
