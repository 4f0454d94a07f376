import { GetQueueAttributesCommand, type Message } from '@aws-sdk/client-sqs';
import { describeWith, emulator, uniqueName } from '@samples/emulator/testing';
import { waitFor } from '@samples/emulator/waiters';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deployStack, drain, makeOrder, queueDepth, type Stack, scanOrders, sendAll } from './stack.ts';

// The stack's FIFO variant (`-c fifo=true`: a FIFO queue, a FIFO DLQ, five receives), deployed
// into the emulator with the real CDK CLI, fed interleaved message groups with a poison message.
describeWith(
  ['cloudformation', 'lambda', 'sqs', 'sns', 'dynamodb', 'iam', 's3'],
  'order-processor stack, FIFO variant',
  () => {
    let stack: Stack;

    beforeAll(async () => {
      emulator();
      // A failed record comes back after 5 s instead of the stack's 30 minutes (see deployStack).
      stack = await deployStack(uniqueName('orders-fifo'), { fifo: true, retryAfterSeconds: 5 });
    });

    afterAll(async () => {
      await stack?.remove();
    });

    it('deploys a FIFO queue whose DLQ is FIFO, five receives before it', async () => {
      const attrs = async (url: string) =>
        (await stack.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes;
      const queue = await attrs(stack.queueUrl);
      const dlq = await attrs(stack.dlqUrl);
      expect(queue?.FifoQueue).toBe('true');
      expect(dlq?.FifoQueue).toBe('true');
      expect(JSON.parse(queue?.RedrivePolicy ?? '{}')).toMatchObject({
        deadLetterTargetArn: dlq?.QueueArn,
        maxReceiveCount: 5,
      });
    });

    it('keeps FIFO group order: after a failure the rest of the group is held back, other groups go on', async () => {
      const a = [makeOrder('fifo-a1'), makeOrder('fifo-a3')];
      const b = [makeOrder('fifo-b1'), makeOrder('fifo-b2'), makeOrder('fifo-b3')];
      const poison = '{"orderId":"fifo-a2", not json';
      await sendAll(stack.sqs, stack.queueUrl, [
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
          dead.push(...(await drain(stack.sqs, stack.dlqUrl)));
          return dead.length >= 2 ? true : undefined;
        },
        // Five receives, 5 s apart.
        { timeoutMs: 120_000 },
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
      expect(await queueDepth(stack.sqs, stack.queueUrl)).toBe(0);
    });
  },
);
