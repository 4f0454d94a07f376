import type { Message } from '@aws-sdk/client-sqs';
import { describeWith, emulator, uniqueName } from '@samples/emulator/testing';
import { waitFor } from '@samples/emulator/waiters';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  deployStack,
  drain,
  expireIdempotencyRecords,
  makeOrder,
  noticeOrderIds,
  queueDepth,
  type Stack,
  scanItems,
  scanOrders,
  sendAll,
} from './stack.ts';

// The handler bundled and deployed into the emulator's Lambda, fed by SQS event source mappings
// (standard and FIFO, batch size 10, ReportBatchItemFailures), storing into DynamoDB and
// publishing to SNS, observed through an SQS subscription.
let stack: Stack;

beforeAll(async () => {
  emulator();
  stack = await deployStack(uniqueName('order-processor'));
});

afterAll(async () => {
  await stack?.remove();
});

describeWith(['lambda', 'sqs', 'sns', 'dynamodb'], 'order-processor on SQS', () => {
  it('stores and announces every valid order exactly once and parks every poison message', async () => {
    const valid = Array.from({ length: 150 }, (_, i) => makeOrder(`std-${i}`));
    const bodies = valid.map((o) => ({ body: JSON.stringify(o) }));
    // Duplicates: the same order sent again as a new message (new message id).
    const duplicates = valid.slice(0, 30).map((o) => ({ body: JSON.stringify(o) }));
    const malformed = Array.from({ length: 10 }, (_, i) => ({ body: `{"orderId":"bad-json-${i}", items: [` }));
    const violations = Array.from({ length: 10 }, (_, i) => ({
      body: JSON.stringify({
        ...makeOrder(`bad-schema-${i}`),
        currency: i % 2 ? 'euro' : 'EUR',
        items: i % 2 ? [] : [{ sku: 'SKU-1', quantity: 1, unitPrice: 9.99 }],
      }),
    }));
    // Poison messages spread through the batches so valid records share batches with failures.
    const poison = [...malformed, ...violations];
    const all = [...bodies];
    for (const [i, p] of poison.entries()) all.splice(i * 8 + 3, 0, p);
    await sendAll(stack.sqs, stack.queueUrl, [...all, ...duplicates]);

    const stored = await waitFor(
      '150 orders stored',
      async () => {
        const items = await scanOrders(stack.ddb, stack.ordersTable);
        return items.filter((i) => String(i.orderId).startsWith('std-')).length >= 150 ? items : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const dead: Message[] = [];
    await waitFor(
      '20 poison messages in the DLQ',
      async () => {
        dead.push(...(await drain(stack.sqs, stack.dlqUrl)));
        return dead.length >= 20 ? true : undefined;
      },
      { timeoutMs: 60_000 },
    );
    await waitFor(
      'source queue empty',
      async () => ((await queueDepth(stack.sqs, stack.queueUrl)) === 0 ? true : undefined),
      {
        timeoutMs: 30_000,
      },
    );
    const notices: Message[] = [];
    await waitFor(
      '150 notices',
      async () => {
        notices.push(...(await drain(stack.sqs, stack.noticesUrl)));
        return noticeOrderIds(notices).filter((id) => id.startsWith('std-')).length >= 150 ? true : undefined;
      },
      { timeoutMs: 30_000 },
    );
    // Nothing more arrives late.
    await new Promise((r) => setTimeout(r, 3000));
    notices.push(...(await drain(stack.sqs, stack.noticesUrl)));
    dead.push(...(await drain(stack.sqs, stack.dlqUrl)));

    const storedIds = stored.map((i) => String(i.orderId)).filter((id) => id.startsWith('std-'));
    expect(storedIds.sort()).toEqual(valid.map((o) => o.orderId).sort());
    const noticed = noticeOrderIds(notices).filter((id) => id.startsWith('std-'));
    expect(noticed.sort()).toEqual(valid.map((o) => o.orderId).sort());
    expect(dead.map((m) => m.Body).sort()).toEqual(poison.map((p) => p.body).sort());
    // Subscribers can filter on the attributes.
    const envelope = JSON.parse(notices[0]!.Body!) as { MessageAttributes: Record<string, { Value: string }> };
    expect(envelope.MessageAttributes.eventType?.Value).toBe('OrderAccepted');
    expect(['small', 'medium', 'large']).toContain(envelope.MessageAttributes.totalBand?.Value);
  });

  it('keeps FIFO group order: after a failure the rest of the group is held back, other groups go on', async () => {
    const a = [makeOrder('fifo-a1'), makeOrder('fifo-a3')];
    const b = [makeOrder('fifo-b1'), makeOrder('fifo-b2'), makeOrder('fifo-b3')];
    const poison = '{"orderId":"fifo-a2", not json';
    await sendAll(stack.sqs, stack.fifoQueueUrl, [
      { body: JSON.stringify(a[0]), groupId: 'a' },
      { body: JSON.stringify(b[0]), groupId: 'b' },
      { body: poison, groupId: 'a' },
      { body: JSON.stringify(b[1]), groupId: 'b' },
      { body: JSON.stringify(a[1]), groupId: 'a' },
      { body: JSON.stringify(b[2]), groupId: 'b' },
    ]);
    const dead: Message[] = [];
    await waitFor(
      'the poison message and the one held behind it in the FIFO DLQ',
      async () => {
        dead.push(...(await drain(stack.sqs, stack.fifoDlqUrl)));
        return dead.length >= 2 ? true : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const stored = (await scanOrders(stack.ddb, stack.ordersTable)).filter((i) =>
      String(i.orderId).startsWith('fifo-'),
    );
    const at = (id: string) => String(stored.find((i) => i.orderId === id)?.storedAt);
    // Group b never waited on group a, and kept its order.
    expect(stored.map((i) => i.orderId).sort()).toEqual(['fifo-a1', 'fifo-b1', 'fifo-b2', 'fifo-b3']);
    expect(at('fifo-b1') <= at('fifo-b2') && at('fifo-b2') <= at('fifo-b3')).toBe(true);
    // a3 was never processed ahead of a2: it was returned as failed with it on every receive, so it
    // shares a2's receive count and is dead-lettered with it, in group order, ready for a redrive.
    expect(dead.map((m) => m.Body)).toEqual([poison, JSON.stringify(a[1])]);
    expect(await queueDepth(stack.sqs, stack.fifoQueueUrl)).toBe(0);
  });

  it('announces an order once however late its duplicate arrives, and parks a conflicting version', async () => {
    const order = makeOrder('late-e2e-1');
    await sendAll(stack.sqs, stack.queueUrl, [{ body: JSON.stringify(order) }]);
    const notices: Message[] = [];
    const ours = () => notices.filter((m) => noticeOrderIds([m])[0] === order.orderId);
    await waitFor(
      'the first notice',
      async () => {
        notices.push(...(await drain(stack.sqs, stack.noticesUrl)));
        return ours().length > 0 ? true : undefined;
      },
      { timeoutMs: 30_000 },
    );
    const storedOrder = async () =>
      (await scanItems(stack.ddb, stack.ordersTable)).find((i) => i.orderId === order.orderId);
    const before = await storedOrder();

    // After the idempotency window: its records gone, as DynamoDB's TTL removes them after an hour.
    expect(await expireIdempotencyRecords(stack.ddb, stack.idempotencyTable)).toBeGreaterThan(0);
    const conflicting = { ...order, items: [{ sku: 'SKU-Z', quantity: 3, unitPrice: 99_999 }] };
    await sendAll(stack.sqs, stack.queueUrl, [{ body: JSON.stringify(order) }, { body: JSON.stringify(conflicting) }]);
    await waitFor('source queue empty', async () =>
      (await queueDepth(stack.sqs, stack.queueUrl)) === 0 ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 3000));
    notices.push(...(await drain(stack.sqs, stack.noticesUrl)));

    // One notice, and it describes the stored order.
    expect(ours()).toHaveLength(1);
    expect(JSON.parse(JSON.parse(ours()[0]!.Body!).Message)).toMatchObject({ total: before?.total });
    const after = await storedOrder();
    expect(after).toEqual(before);
    expect(after?.announcedAt).toEqual(expect.any(String));
    // The conflicting version is parked with the stored one beside it, and nothing is dead-lettered.
    const parked = (await scanItems(stack.ddb, stack.conflictsTable)).filter((c) => c.orderId === order.orderId);
    expect(parked).toHaveLength(1);
    expect(parked[0]).toMatchObject({ incoming: conflicting, stored: { total: before?.total, items: order.items } });
    expect(await drain(stack.sqs, stack.dlqUrl)).toEqual([]);
  });
});
