import { restartEmulator } from '@samples/emulator/faults';
import { recordResult } from '@samples/emulator/reliability';
import { describeWith, emulator, uniqueName } from '@samples/emulator/testing';
import { waitFor } from '@samples/emulator/waiters';
import { deployStack, drain, noticeOrderIds, queueDepth, type Stack, scanItems } from '@samples/order-processor/stack';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ApiDeployment, deployApi } from './api.ts';

// The storefront under a restart of the emulator (ministack, process mode,
// MINISTACK_PERSIST_STATE=1): shoppers post orders through the load balancer to the API's
// two tasks, which write to DynamoDB and SQS, while the emulator (load balancer, tables, queue,
// the order processor) goes down and comes back. A shopper's client does what the API asks of
// it: an answer other than 202, or none, is sent again with the same Idempotency-Key. What
// must hold: every order is answered 202 in the end, every order answered 202 is stored and
// announced by the processor, none is stored twice, and a retried key names the same order.
const FULL = process.env.RELIABILITY_PROFILE === 'full';
const PROFILE = FULL ? 'full' : 'ci';
const ORDERS = Number(process.env.RELIABILITY_API_ORDERS) || (FULL ? 400 : 120);
const SHOPPERS = 8;
// The processor's invocations under way die with the emulator; their batches come back after the
// queue's visibility timeout, and their in-progress idempotency records lapse after the function's
// timeout: the stack's 30 and 5 minutes, scaled down as the processor's reliability test does.
const FUNCTION_TIMEOUT_S = 30;
const RETRY_AFTER_S = 35;
const info = emulator();
const restartable = info.restartable ? it : it.skip;

describeWith(
  ['cloudformation', 'ecs', 'sqs', 'dynamodb', 'sns', 'lambda'],
  'orders API across a restart of the emulator',
  () => {
    let stack: Stack;
    let api: ApiDeployment;

    beforeAll(async () => {
      if (!info.restartable) return;
      const name = uniqueName('rel-api');
      stack = await deployStack(name, { retryAfterSeconds: RETRY_AFTER_S, functionTimeoutSeconds: FUNCTION_TIMEOUT_S });
      api = await deployApi(info, name, {
        queueUrl: stack.queueUrl,
        ordersTable: stack.ordersTable,
        rejectionsTable: stack.rejectionsTable,
      });
    });
    afterAll(async () => {
      await api?.remove();
      await stack?.remove();
    });

    restartable(
      `answers every order 202 in the end and loses none it answered: ${ORDERS} orders, ${SHOPPERS} shoppers at once${info.restartable ? '' : ` [skipped: backend ${info.backend} cannot be restarted with its state]`}`,
      async () => {
        const answers = new Map<string, number>();
        const count = (what: string) => answers.set(what, (answers.get(what) ?? 0) + 1);
        /** Order id per key, from the first 202; a later 202 for the key must name the same order. */
        const accepted = new Map<string, string>();
        const renamed: string[] = [];
        const deadline = performance.now() + 300_000;
        const place = async (i: number) => {
          const key = `restart-${i}`;
          const body = JSON.stringify({
            customer: { id: `shopper-${i % 13}`, email: `shopper${i % 13}@example.com` },
            currency: 'EUR',
            items: [{ sku: `SKU-${i % 7}`, quantity: 1 + (i % 3), unitPrice: 1999 }],
          });
          for (;;) {
            if (performance.now() > deadline) throw new Error(`order ${key} never answered 202`);
            const res = await fetch(`${api.url}/orders`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'idempotency-key': key },
              body,
              signal: AbortSignal.timeout(30_000),
            }).catch((err: unknown) => err as Error);
            if (res instanceof Error) {
              count(`no answer (${res.name})`);
            } else {
              count(String(res.status));
              if (res.status === 202) {
                const { orderId } = (await res.json()) as { orderId: string };
                const first = accepted.get(key);
                if (first !== undefined && first !== orderId) renamed.push(key);
                accepted.set(key, orderId);
                return;
              }
              await res.arrayBuffer();
            }
            await new Promise((r) => setTimeout(r, 500));
          }
        };

        const t0 = performance.now();
        let next = 0;
        const shoppers = Promise.all(
          Array.from({ length: SHOPPERS }, async () => {
            while (next < ORDERS) await place(next++);
          }),
        );
        // Restart once a quarter are answered, with the rest being posted.
        const answeredBefore = await waitFor(
          'a quarter of the orders answered 202',
          async () => {
            if (accepted.size < ORDERS / 4) throw new Error(`${accepted.size} answered`);
            return accepted.size;
          },
          { timeoutMs: 180_000, intervalMs: 100 },
        );
        const restartedInMs = await restartEmulator(info.endpoint);
        await shoppers;
        const answeredInS = (performance.now() - t0) / 1000;

        const ids = new Set(accepted.values());
        const notices: string[] = [];
        const storedIds = async () =>
          (await scanItems(stack.ddb, stack.ordersTable)).map((o) => String(o.orderId)).filter((id) => ids.has(id));
        await waitFor(
          `${ORDERS} answered orders stored and announced, the queue empty`,
          async () => {
            notices.push(...noticeOrderIds(await drain(stack.sqs, stack.noticesUrl)));
            const stored = new Set(await storedIds()).size;
            const announced = new Set(notices.filter((id) => ids.has(id))).size;
            const depth = await queueDepth(stack.sqs, stack.queueUrl);
            if (stored < ids.size || announced < ids.size || depth > 0)
              throw new Error(`${stored} stored, ${announced} announced, ${depth} queued`);
            return true;
          },
          { timeoutMs: 300_000, intervalMs: 1000 },
        );
        const seconds = (performance.now() - t0) / 1000;
        await new Promise((r) => setTimeout(r, 3000));
        notices.push(...noticeOrderIds(await drain(stack.sqs, stack.noticesUrl)));
        const stored = await storedIds();
        const perOrder = new Map<string, number>();
        for (const id of notices.filter((n) => ids.has(n))) perOrder.set(id, (perOrder.get(id) ?? 0) + 1);
        const extraNotices = [...perOrder.values()].reduce((n, c) => n + c - 1, 0);
        const dead = (await drain(stack.sqs, stack.dlqUrl)).length;
        const notAccepted = ORDERS - accepted.size;
        const table = recordResult({
          scenario: 'orders API -> order processor, the emulator restarted mid-run',
          profile: PROFILE,
          messages: ORDERS,
          duplicates: 0,
          poison: 0,
          faults:
            `restart after ${answeredBefore} answered (${(restartedInMs / 1000).toFixed(1)} s down); ` +
            `answers other than 202, each sent again: ${
              [...answers]
                .filter(([k]) => k !== '202')
                .map(([k, n]) => `${k} ${n}`)
                .join(', ') || 'none'
            }`,
          // The proxy counts the SDKs' retries only while it injects faults; none are injected here.
          retries: 0,
          stored: new Set(stored).size,
          announced: perOrder.size,
          deadLettered: dead,
          lost: notAccepted + (ids.size - new Set(stored).size) + (ids.size - perOrder.size),
          twice: stored.length - new Set(stored).size + extraNotices,
          perSecond: ORDERS / seconds,
          date: new Date().toISOString().slice(0, 10),
        });
        console.log(
          `[reliability] ${ORDERS} orders answered in ${answeredInS.toFixed(1)} s, restarted after ${answeredBefore} ` +
            `(down ${restartedInMs} ms); answers ${JSON.stringify(Object.fromEntries(answers))}; ` +
            `stored and announced in ${seconds.toFixed(1)} s; announced twice ${extraNotices}\n${table}`,
        );

        expect(accepted.size).toBe(ORDERS);
        expect(renamed).toEqual([]);
        expect(ids.size).toBe(ORDERS);
        expect(stored.sort()).toEqual([...ids].sort());
        expect(perOrder.size).toBe(ORDERS);
        expect(dead).toBe(0);
        // A processor invocation killed between a publish and its record announces again on the
        // retry (SNS is at least once): at most the batches in flight when the emulator went down.
        expect(extraNotices).toBeLessThanOrEqual(10 * 10);
      },
    );
  },
);
