import { readFileSync } from 'node:fs';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { type FaultPlan, type FaultReport, readFaults, restartEmulator, setFaults } from '@samples/emulator/faults';
import { describeFaults, recordResult, retriesOf } from '@samples/emulator/reliability';
import { describeWith, emulator, uniqueName } from '@samples/emulator/testing';
import { waitFor } from '@samples/emulator/waiters';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  deployStack,
  drain,
  makeOrder,
  noticeOrderIds,
  type Outgoing,
  queueDepth,
  type Stack,
  scanItems,
  sendAll,
} from './stack.ts';

// Load and injected faults through the deployed stack (infra/stack.ts): orders with exact
// duplicates and poison messages, while the proxy fails 5% of the function's DynamoDB and
// SNS calls as AWS does when it fails (errors the SDK retries, dropped connections, latency;
// half of them after the call took effect, its answer lost). The figures go to
// reliability-results/ (README, "Reliability").
const FULL = process.env.RELIABILITY_PROFILE === 'full';
const PROFILE = FULL ? 'full' : 'ci';
// RELIABILITY_ORDERS overrides either profile's count.
const ORDERS = Number(process.env.RELIABILITY_ORDERS) || (FULL ? 5000 : 300);
// The restart scenario's orders: enough that the restart lands with orders stored, in flight and queued.
const RESTART_ORDERS = Number(process.env.RELIABILITY_RESTART_ORDERS) || (FULL ? 1000 : 150);
const FAULTS: FaultPlan = {
  rate: 0.05,
  kinds: ['internal', 'unavailable', 'throttling', 'reset', 'latency'],
  services: ['dynamodb', 'sns'],
  afterShare: 0.5,
  latencyMs: 200,
  seed: 17,
};
// The function's timeout and the queue's visibility timeout, scaled down from the stack's
// 5 and 30 minutes so that a retry comes in seconds. The visibility timeout must stay above
// the function's timeout, as in the stack: an idempotency record left in progress by a failed
// attempt (its answer lost) blocks its order until the function's timeout has passed, and a
// redelivery before that fails again and counts towards maxReceiveCount (3). The timeout must
// also leave room for ten cold starts at once on a small machine: a timed-out batch is
// received again whole, and three in a row dead-letter valid orders (8 s did that here, and
// 20 s timed out once).
const FUNCTION_TIMEOUT_S = 30;
const RETRY_AFTER_S = 35;

const info = emulator();
const suite = info.functionsThroughProxy ? describeWith : skipped;

function skipped(_services: unknown, title: string, body: () => void) {
  // Only ministack's process-mode functions call through the harness's proxy, where faults are injected.
  describe.skip(`${title} [skipped: backend ${info.backend} runs its functions outside the proxy]`, body);
}

/** Invocations of the function that ministack reports as timed out, from its log. */
function timeouts(functionName: string): number {
  if (!info.logFile) return 0;
  const log = readFileSync(info.logFile, 'utf8');
  return log.split('\n').filter((l) => l.includes(`Lambda ${functionName} timed out`)).length;
}

/** Deterministic shuffle, so that poison and duplicates share batches with valid orders. */
function shuffle<T>(items: T[], seed = 1): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

suite(
  ['cloudformation', 'lambda', 'sqs', 'sns', 'dynamodb', 'iam', 's3'],
  'order processor under load and faults',
  () => {
    let stack: Stack;
    // The test's own reads go to the emulator itself, past the proxy and its faults.
    const direct = new DynamoDBClient({ endpoint: info.emulatorEndpoint });

    beforeAll(async () => {
      const t0 = performance.now();
      stack = await deployStack(uniqueName('rel-orders'), {
        retryAfterSeconds: RETRY_AFTER_S,
        functionTimeoutSeconds: FUNCTION_TIMEOUT_S,
      });
      console.log(`[reliability] order processor deployed in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    });

    afterEach(async () => {
      await setFaults(info.endpoint, undefined);
    });

    afterAll(async () => {
      await stack?.remove();
    });

    it('reads the injected DynamoDB errors as DynamoDB errors and retries them', async () => {
      const ddb = new DynamoDBClient({});
      const put = () =>
        ddb.send(new PutItemCommand({ TableName: stack.ordersTable, Item: { orderId: { S: 'fault-probe' } } })).then(
          () => undefined,
          (e: unknown) => e as Error & { $metadata: { attempts: number; httpStatusCode: number } },
        );
      const seen: Record<string, unknown> = {};
      for (const kind of ['internal', 'unavailable', 'throttling'] as const) {
        await setFaults(info.endpoint, { rate: 1, kinds: [kind], services: ['dynamodb'], afterShare: 0, seed: 1 });
        const e = await put();
        const { dynamodb } = (await readFaults(info.endpoint)).services;
        seen[kind] = { name: e?.name, status: e?.$metadata.httpStatusCode, attempts: e?.$metadata.attempts };
        // Every attempt the SDK made went through the proxy: the first and its retries.
        expect(dynamodb).toMatchObject({ requests: e?.$metadata.attempts, retries: (e?.$metadata.attempts ?? 0) - 1 });
      }
      // DynamoDB's client makes 4 attempts by default (the other clients 3).
      expect(seen).toEqual({
        internal: { name: 'InternalServerError', status: 500, attempts: 4 },
        unavailable: { name: 'ServiceUnavailableException', status: 503, attempts: 4 },
        throttling: {
          name: expect.stringMatching(/^(ThrottlingException|ProvisionedThroughputExceededException)$/),
          status: 400,
          attempts: 4,
        },
      });
      expect((await scanItems(direct, stack.ordersTable)).length).toBe(0);
    });

    it(`stores and announces every valid order once, dead-letters every poison message: ${ORDERS} orders, 5% faults`, async () => {
      const valid = Array.from({ length: ORDERS }, (_, i) => makeOrder(`rel-${i}`, i));
      const duplicates = valid.filter((_, i) => i % 10 === 3);
      const poisonCount = Math.round((ORDERS + duplicates.length) / 19); // 5% of all messages
      const poison: Outgoing[] = Array.from({ length: poisonCount }, (_, i) =>
        i % 2
          ? { body: `{"orderId":"bad-json-${i}", "items": [` }
          : {
              body: JSON.stringify({
                ...makeOrder(`bad-schema-${i}`, i),
                items: [{ sku: 'SKU-1', quantity: 1, unitPrice: 9.99 }],
              }),
            },
      );
      const messages = shuffle([...valid, ...duplicates].map((o) => ({ body: JSON.stringify(o) })).concat(poison), 17);

      const timeoutsBefore = timeouts(stack.functionName);
      await setFaults(info.endpoint, FAULTS);
      const t0 = performance.now();
      await sendAll(stack.sqs, stack.queueUrl, messages);
      const validIds = new Set(valid.map((o) => o.orderId));
      const dead: string[] = [];
      const notices: string[] = [];
      let validDoneAt: number | undefined;
      const timeoutMs = (FULL ? 1200 : 300) * 1000;
      await waitFor(
        `${ORDERS} orders stored, ${poison.length} poison messages dead-lettered, the queue empty`,
        async () => {
          dead.push(...(await drain(stack.sqs, stack.dlqUrl)).map((m) => m.Body ?? ''));
          notices.push(...noticeOrderIds(await drain(stack.sqs, stack.noticesUrl)));
          const stored = (await scanItems(direct, stack.ordersTable)).filter((i) => validIds.has(String(i.orderId)));
          const depth = await queueDepth(stack.sqs, stack.queueUrl);
          // Throughput counts until every valid order is stored and announced, not the poison
          // messages' redrive (maxReceiveCount visibility timeouts) that follows.
          if (validDoneAt === undefined && stored.length === ORDERS && new Set(notices).size >= ORDERS) {
            validDoneAt = performance.now();
          }
          if (stored.length < ORDERS || dead.length < poison.length || depth > 0) {
            throw new Error(`${stored.length} stored, ${dead.length} dead-lettered, ${depth} in the queue`);
          }
          return true;
        },
        { timeoutMs, intervalMs: 1000 },
      );
      const seconds = (performance.now() - t0) / 1000;
      const validSeconds = ((validDoneAt ?? performance.now()) - t0) / 1000;
      const report: FaultReport = await readFaults(info.endpoint);
      await setFaults(info.endpoint, undefined);

      // Late notices and late dead letters, if any, arrive within the wait.
      notices.push(...noticeOrderIds(await drain(stack.sqs, stack.noticesUrl)));
      await new Promise((r) => setTimeout(r, 3000));
      notices.push(...noticeOrderIds(await drain(stack.sqs, stack.noticesUrl)));
      dead.push(...(await drain(stack.sqs, stack.dlqUrl)).map((m) => m.Body ?? ''));

      const stored = (await scanItems(direct, stack.ordersTable)).map((i) => String(i.orderId));
      const storedValid = stored.filter((id) => validIds.has(id));
      const perOrder = new Map<string, number>();
      for (const id of notices) perOrder.set(id, (perOrder.get(id) ?? 0) + 1);
      const announced = [...validIds].filter((id) => perOrder.has(id)).length;
      const extraNotices = [...perOrder.values()].reduce((n, c) => n + c - 1, 0);
      const poisonBodies = new Set(poison.map((p) => p.body));
      const deadPoison = new Set(dead.filter((b) => poisonBodies.has(b)));
      const deadValid = dead.filter((b) => !poisonBodies.has(b));
      const unannounced = [...validIds].filter((id) => !perOrder.has(id));
      const twiceIds = [...perOrder].filter(([, c]) => c > 1).map(([id]) => id);
      const timedOut = timeouts(stack.functionName) - timeoutsBefore;
      const lost = ORDERS - storedValid.length + (ORDERS - announced) + (poison.length - deadPoison.size);
      const rejections = (await scanItems(direct, stack.rejectionsTable)).map((i) => String(i.orderId));
      const conflicts = await scanItems(direct, stack.conflictsTable);
      // A notice is published twice only when a publish took effect and its answer was lost
      // (the SDK, or the record's retry, publishes again): SNS is at-least-once, see the README.
      const lostPublishAnswers = Object.entries(report.services.sns?.injected ?? {})
        .filter(([k]) => k.endsWith(':after'))
        .reduce((n, [, c]) => n + c, 0);

      const table = recordResult({
        scenario: 'order processor, 5% faults on DynamoDB and SNS',
        profile: PROFILE,
        messages: messages.length,
        duplicates: duplicates.length,
        poison: poison.length,
        faults: describeFaults(report),
        retries: retriesOf(report),
        stored: storedValid.length,
        announced,
        deadLettered: deadPoison.size,
        lost,
        twice: extraNotices,
        perSecond: ORDERS / validSeconds,
        date: new Date().toISOString().slice(0, 10),
      });
      console.log(
        `[reliability] ${messages.length} messages in ${seconds.toFixed(1)} s; proxy counts: ${JSON.stringify(report.services)}; ` +
          `valid orders done in ${validSeconds.toFixed(1)} s; lost publish answers ${lostPublishAnswers}; ` +
          `timed-out invocations ${timedOut}; valid messages dead-lettered ${deadValid.length}; ` +
          `not announced: ${unannounced.slice(0, 5).join(' ') || 'none'}; ` +
          `announced twice: ${twiceIds.length} (${twiceIds.slice(0, 5).join(' ')})\n${table}`,
      );

      expect(storedValid.sort()).toEqual([...validIds].sort());
      expect(stored.length).toBe(new Set(stored).size);
      expect(announced).toBe(ORDERS);
      // Or when an invocation timed out between a publish and its record (up to a batch each).
      // Or when an invocation timed out between a publish and its record (up to a batch each).
      expect(extraNotices).toBeLessThanOrEqual(lostPublishAnswers + 10 * timedOut);
      expect([...dead].sort()).toEqual(poison.map((p) => p.body).sort());
      expect(rejections.sort()).toEqual(
        poison
          .map((p) => p.body)
          .filter((b) => b.startsWith('{"orderId":"bad-schema'))
          .map((b) => (JSON.parse(b) as { orderId: string }).orderId)
          .sort(),
      );
      expect(conflicts).toEqual([]);
      expect(lost).toBe(0);
      // Faults were injected on both services and the functions' SDKs retried them.
      expect(Object.keys(report.services).sort()).toEqual(['dynamodb', 'sns']);
      expect(retriesOf(report)).toBeGreaterThan(0);
    });

    // A host restart of the emulator while orders are queued and being processed: ministack
    // (process mode, MINISTACK_PERSIST_STATE=1) saves its state at a graceful shutdown and loads it
    // at start. Invocations under way die with it; their messages come back after the visibility
    // timeout, as on AWS when a function's execution environment is lost.
    const restartTest = info.restartable ? it : it.skip;
    restartTest(
      `stores and announces every queued order once across a restart of the emulator: ${RESTART_ORDERS} orders${info.restartable ? '' : ` [skipped: backend ${info.backend} cannot be restarted with its state]`}`,
      async () => {
        const valid = Array.from({ length: RESTART_ORDERS }, (_, i) => makeOrder(`restart-${i}`, i));
        const ids = new Set(valid.map((o) => o.orderId));
        const storedNow = async () =>
          (await scanItems(direct, stack.ordersTable)).filter((i) => ids.has(String(i.orderId))).length;
        const timeoutsBefore = timeouts(stack.functionName);
        const t0 = performance.now();
        await sendAll(
          stack.sqs,
          stack.queueUrl,
          valid.map((o) => ({ body: JSON.stringify(o) })),
        );
        // Restart once some are stored and the rest are queued or in flight.
        const storedBefore = await waitFor(
          'a quarter of the orders stored',
          async () => {
            const n = await storedNow();
            if (n < RESTART_ORDERS / 4) throw new Error(`${n} stored`);
            return n;
          },
          { timeoutMs: 120_000, intervalMs: 200 },
        );
        const restartedInMs = await restartEmulator(info.endpoint);
        const notices: string[] = [];
        const dead: string[] = [];
        await waitFor(
          `${RESTART_ORDERS} orders stored and announced after the restart, the queue empty`,
          async () => {
            notices.push(...noticeOrderIds(await drain(stack.sqs, stack.noticesUrl)));
            dead.push(...(await drain(stack.sqs, stack.dlqUrl)).map((m) => m.Body ?? ''));
            const stored = await storedNow();
            const announced = valid.filter((o) => notices.includes(o.orderId)).length;
            const depth = await queueDepth(stack.sqs, stack.queueUrl);
            if (stored < RESTART_ORDERS || announced < RESTART_ORDERS || depth > 0) {
              throw new Error(`${stored} stored, ${announced} announced, ${depth} in the queue`);
            }
            return true;
          },
          { timeoutMs: 300_000, intervalMs: 1000 },
        );
        const seconds = (performance.now() - t0) / 1000;
        await new Promise((r) => setTimeout(r, 3000));
        notices.push(...noticeOrderIds(await drain(stack.sqs, stack.noticesUrl)));
        dead.push(...(await drain(stack.sqs, stack.dlqUrl)).map((m) => m.Body ?? ''));

        const stored = (await scanItems(direct, stack.ordersTable))
          .map((i) => String(i.orderId))
          .filter((id) => ids.has(id));
        const perOrder = new Map<string, number>();
        for (const id of notices.filter((n) => ids.has(n))) perOrder.set(id, (perOrder.get(id) ?? 0) + 1);
        const extraNotices = [...perOrder.values()].reduce((n, c) => n + c - 1, 0);
        const timedOut = timeouts(stack.functionName) - timeoutsBefore;
        const lost = RESTART_ORDERS - stored.length + (RESTART_ORDERS - perOrder.size);
        const table = recordResult({
          scenario: 'order processor, the emulator restarted mid-run',
          profile: PROFILE,
          messages: RESTART_ORDERS,
          duplicates: 0,
          poison: 0,
          faults: `restart after ${storedBefore} stored (${(restartedInMs / 1000).toFixed(1)} s down)`,
          retries: 0,
          stored: stored.length,
          announced: perOrder.size,
          deadLettered: dead.length,
          lost,
          twice: extraNotices,
          perSecond: RESTART_ORDERS / seconds,
          date: new Date().toISOString().slice(0, 10),
        });
        console.log(
          `[reliability] ${RESTART_ORDERS} orders; restarted after ${storedBefore} were stored, down ${restartedInMs} ms; ` +
            `all done in ${seconds.toFixed(1)} s; timed-out invocations ${timedOut}; dead-lettered ${dead.length}; ` +
            `announced twice ${extraNotices}\n${table}`,
        );

        expect(stored.sort()).toEqual([...ids].sort());
        expect(perOrder.size).toBe(RESTART_ORDERS);
        expect(dead).toEqual([]);
        expect(lost).toBe(0);
        // An invocation killed between a publish and its record announces again on the retry
        // (SNS is at-least-once); at most the batches in flight when the emulator went down.
        expect(extraNotices).toBeLessThanOrEqual(10 * 10);
      },
    );
  },
);
