import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deployStack, drain, noticeOrderIds } from '@samples/order-processor/stack';
import { deployApi } from '@samples/orders-api/api';
import type { Flow } from '../flow.ts';

/**
 * The storefront: the orders API as an ECS service of two tasks behind the emulator's load
 * balancer, in front of the order processor's CDK stack. Carts are posted (one twice, one
 * poison), then every order's state is read back through the API.
 */
export const flow: Flow = {
  workload: 'orders-api',
  input: '20 carts POSTed through the ALB (1 retried with its Idempotency-Key, 1 poison, 1 invalid)',
  needs: ['cloudformation', 'lambda', 'sqs', 'sns', 'dynamodb', 'ecs'],
  async run(ctx) {
    const name = `demo-shop-${Date.now().toString(36)}`;
    ctx.progress('deploying the order processor stack');
    const stack = await deployStack(name);
    try {
      ctx.progress('building the API image; starting it as an ECS service behind the ALB');
      const api = await deployApi(ctx.emulator, name, {
        queueUrl: stack.queueUrl,
        ordersTable: stack.ordersTable,
        rejectionsTable: stack.rejectionsTable,
      });
      try {
        const post = async (body: unknown, key: string) => {
          const res = await fetch(`${api.url}/orders`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'idempotency-key': key },
            body: JSON.stringify(body),
          });
          return { status: res.status, body: (await res.json()) as { orderId?: string; reasons?: string[] } };
        };
        const cart = (i: number) => ({
          customer: { id: `shopper-${i % 4}`, email: `shopper${i % 4}@example.com` },
          currency: 'EUR',
          items: [{ sku: `SKU-${i % 6}`, quantity: 1 + (i % 3), unitPrice: 990 + 100 * i }],
        });
        ctx.progress(`posting carts to ${api.url}`);
        const answers = [];
        for (let i = 0; i < 18; i++) answers.push(await post(cart(i), `cart-${i}`));
        answers.push(await post(cart(0), 'cart-0'));
        const poison = {
          ...cart(99),
          items: [{ sku: 'SKU-BIG', quantity: 10_000, unitPrice: Number.MAX_SAFE_INTEGER }],
        };
        answers.push(await post(poison, 'cart-poison'));
        const invalid = await post({ ...cart(1), currency: 'EURO' }, 'cart-invalid');
        const ids = [...new Set(answers.filter((a) => a.status === 202).map((a) => a.body.orderId as string))];
        const states: Record<string, { state: string; reason?: string }> = {};
        const deadline = Date.now() + 90_000;
        while (Date.now() < deadline) {
          for (const id of ids) {
            if (states[id] && states[id].state !== 'queued') continue;
            states[id] = (await (await fetch(`${api.url}/orders/${id}`)).json()) as { state: string };
          }
          if (ids.every((id) => states[id]?.state !== 'queued')) break;
          await new Promise((r) => setTimeout(r, 500));
        }
        // A notice is published just after its order is stored: wait for the last ones.
        const notices: string[] = [];
        const accepted = ids.filter((id) => states[id]?.state === 'accepted');
        while (Date.now() < deadline + 30_000 && !accepted.every((id) => notices.includes(id))) {
          notices.push(...noticeOrderIds(await drain(stack.sqs, stack.noticesUrl)));
          await new Promise((r) => setTimeout(r, 300));
        }
        writeFileSync(
          join(ctx.outDir, 'storefront.json'),
          JSON.stringify({ answers, invalid, states, notices }, null, 2),
        );
        const count = (s: string) => Object.values(states).filter((v) => v.state === s).length;
        if (count('accepted') !== 18 || count('rejected') !== 1 || invalid.status !== 400) {
          throw new Error(`states ${JSON.stringify(states)}; invalid cart answered ${invalid.status}`);
        }
        const reason = Object.values(states).find((v) => v.state === 'rejected')?.reason;
        return {
          summary:
            `${answers.length} POSTs -> ${ids.length} orders: ${count('accepted')} accepted (${notices.length} notices), ` +
            `${count('rejected')} rejected (${reason}); invalid cart 400`,
          blocks: [
            {
              kind: 'figures',
              title: 'Carts and the orders they became',
              items: [
                { key: 'posts', label: 'POSTs answered 202', value: answers.length },
                { key: 'orders', label: 'orders', value: ids.length },
                // The retried POST carried the same Idempotency-Key and got the same order back.
                { key: 'duplicates', label: 'duplicates (same order returned)', value: answers.length - ids.length },
                { key: 'stored', label: 'accepted (stored)', value: count('accepted') },
                { key: 'rejected', label: 'rejected', value: count('rejected') },
                { key: 'reason', label: 'rejection reason', value: reason ?? '-' },
                { key: 'notices', label: 'notices published', value: notices.length },
                { key: 'invalid', label: 'invalid cart answered', value: invalid.status },
              ],
            },
            { kind: 'files', title: 'Written', files: ['storefront.json'] },
          ],
        };
      } finally {
        await api.remove();
      }
    } finally {
      await stack.remove();
    }
  },
};
