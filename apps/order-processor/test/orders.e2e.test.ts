import { LambdaClient, ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, type Message } from '@aws-sdk/client-sqs';
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

// The app's CDK stack (infra/stack.ts) deployed into the emulator with the real CDK CLI
// (bootstrap, asset upload, CloudFormation): its queue and DLQ, the function behind an event
// source mapping (batch size 10, ReportBatchItemFailures, maximum concurrency 10), its tables
// and topic, the role it ships with; notices observed through an SQS subscription. The FIFO
// variant is deployed by fifo.e2e.test.ts.
describeWith(
  ['cloudformation', 'lambda', 'sqs', 'sns', 'dynamodb', 'iam', 's3'],
  'order-processor stack on SQS',
  () => {
    let stack: Stack;

    beforeAll(async () => {
      emulator();
      // A failed record comes back after 5 s instead of the stack's 30 minutes (see deployStack).
      stack = await deployStack(uniqueName('orders'), { retryAfterSeconds: 5 });
    });

    afterAll(async () => {
      await stack?.remove();
    });

    it('deploys the queue with its redrive to the DLQ and the mapping that feeds the function', async () => {
      const attrs = await stack.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: stack.queueUrl, AttributeNames: ['RedrivePolicy'] }),
      );
      const dlqArn = await stack.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: stack.dlqUrl, AttributeNames: ['QueueArn'] }),
      );
      expect(JSON.parse(attrs.Attributes?.RedrivePolicy ?? '{}')).toMatchObject({
        deadLetterTargetArn: dlqArn.Attributes?.QueueArn,
        maxReceiveCount: 3,
      });
      const mappings = await new LambdaClient({}).send(
        new ListEventSourceMappingsCommand({ FunctionName: stack.functionName }),
      );
      expect(mappings.EventSourceMappings).toHaveLength(1);
      expect(mappings.EventSourceMappings?.[0]).toMatchObject({
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 10 },
      });
    });

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
      await sendAll(stack.sqs, stack.queueUrl, [
        { body: JSON.stringify(order) },
        { body: JSON.stringify(conflicting) },
      ]);
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
  },
);
