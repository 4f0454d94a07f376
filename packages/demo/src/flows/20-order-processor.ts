import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deployStack, drain, makeOrder, queueDepth, scanOrders, sendAll } from '@samples/order-processor/stack';
import type { Flow } from '../flow.ts';

/** The order processor's CDK stack (queue, DLQ, function, tables, topic), fed valid, duplicate and poison orders. */
export const flow: Flow = {
  workload: 'order-processor',
  input: '40 orders + 10 duplicates + 5 poison messages on SQS',
  needs: ['cloudformation', 'lambda', 'sqs', 'sns', 'dynamodb', 's3'],
  async run(ctx) {
    ctx.progress('deploying the CDK stack: queue, DLQ, function, tables, topic');
    // A failed record comes back after 5 s instead of the stack's 30 minutes, so the poison
    // messages reach the DLQ (three receives) while the demo waits.
    const stack = await deployStack(`demo-orders-${Date.now().toString(36)}`, { retryAfterSeconds: 5 });
    try {
      const valid = Array.from({ length: 40 }, (_, i) => makeOrder(`demo-${i}`, i));
      const poison = [
        ...Array.from({ length: 3 }, (_, i) => ({ body: `{"orderId":"broken-${i}"` })),
        ...Array.from({ length: 2 }, (_, i) => ({
          body: JSON.stringify({ ...makeOrder(`neg-${i}`), currency: 'dollars' }),
        })),
      ];
      const messages = [
        ...valid.map((o) => ({ body: JSON.stringify(o) })),
        ...poison,
        ...valid.slice(0, 10).map((o) => ({ body: JSON.stringify(o) })),
      ];
      ctx.progress(`sending ${messages.length} messages to ${stack.name}`);
      const started = Date.now();
      await sendAll(stack.sqs, stack.queueUrl, messages);
      const dead: unknown[] = [];
      const notices: unknown[] = [];
      let stored: Record<string, unknown>[] = [];
      const deadline = Date.now() + 90_000;
      while (Date.now() < deadline) {
        stored = await scanOrders(stack.ddb, stack.ordersTable);
        dead.push(...(await drain(stack.sqs, stack.dlqUrl)));
        notices.push(...(await drain(stack.sqs, stack.noticesUrl)));
        if (
          stored.length >= valid.length &&
          dead.length >= poison.length &&
          (await queueDepth(stack.sqs, stack.queueUrl)) === 0
        ) {
          break;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
      const seconds = (Date.now() - started) / 1000;
      writeFileSync(join(ctx.outDir, 'orders.json'), JSON.stringify({ stored, notices, dead }, null, 2));
      if (stored.length !== valid.length || dead.length !== poison.length) {
        throw new Error(`stored ${stored.length}/${valid.length}, dead-lettered ${dead.length}/${poison.length}`);
      }
      return {
        summary: `${stored.length} orders stored once, ${notices.length} notices, ${dead.length} poison in DLQ (${seconds.toFixed(1)} s)`,
        blocks: [
          {
            kind: 'figures',
            title: 'Messages and where they ended',
            items: [
              { key: 'sent', label: 'messages sent', value: messages.length },
              { key: 'stored', label: 'orders stored', value: stored.length },
              // Every message that neither became a new order nor reached the DLQ was a repeat.
              {
                key: 'duplicates',
                label: 'duplicates (not stored again)',
                value: messages.length - stored.length - dead.length,
              },
              { key: 'dead', label: 'dead-lettered (poison)', value: dead.length },
              { key: 'notices', label: 'notices published', value: notices.length },
              { key: 'seconds', label: 'seconds until settled', value: seconds.toFixed(1) },
            ],
          },
          { kind: 'files', title: 'Written', files: ['orders.json'] },
        ],
      };
    } finally {
      await stack.remove();
    }
  },
};
