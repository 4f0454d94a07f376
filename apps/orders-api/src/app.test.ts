// SPDX-License-Identifier: MIT-0
import { afterEach, describe, expect, it } from 'vitest';
import { type Backend, buildApp, type Claim } from './app.ts';
import type { Order } from './order.ts';
import type { Records } from './state.ts';

/**
 * The HTTP layer over an in-memory backend: the tables as maps and the queue as an array.
 * A failing queue or table is what a real one cannot be made to do on demand; the e2e runs
 * the same app against the emulator's queue and tables.
 */
function memoryBackend() {
  const claims = new Map<string, Claim>();
  const records = new Map<string, Records>();
  const sent: Order[] = [];
  const faults = { enqueue: false, claim: false };
  const backend: Backend = {
    async claim(c) {
      if (faults.claim) throw new Error('DynamoDB unavailable');
      const existing = claims.get(c.orderId);
      if (existing) return { created: false, existing };
      claims.set(c.orderId, c);
      return { created: true };
    },
    async release(orderId) {
      claims.delete(orderId);
    },
    async enqueue(order) {
      if (faults.enqueue) throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'TimeoutError' });
      sent.push(order);
    },
    async records(orderId) {
      const claim = claims.get(orderId);
      return { ...(claim ? { request: claim } : {}), ...records.get(orderId) };
    },
  };
  return { backend, claims, records, sent, faults };
}

const order = {
  customer: { id: 'c-1', email: 'c1@example.com' },
  currency: 'EUR',
  items: [{ sku: 'SKU-1', quantity: 2, unitPrice: 1250 }],
};

let mem = memoryBackend();
let app = buildApp({ backend: mem.backend, bodyLimit: 4096, retryAfterSeconds: 3, requestTtlDays: 7 });
afterEach(async () => {
  await app.close();
  mem = memoryBackend();
  app = buildApp({ backend: mem.backend, bodyLimit: 4096, retryAfterSeconds: 3, requestTtlDays: 7 });
});

const post = (body: unknown, key?: string) =>
  app.inject({
    method: 'POST',
    url: '/orders',
    headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('POST /orders', () => {
  it('queues a valid order: 202, its id, a status URL, the message the processor reads', async () => {
    const res = await post(order, 'k-1');
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body).toEqual({
      orderId: expect.stringMatching(/^ord_/),
      state: 'queued',
      statusUrl: `/orders/${body.orderId}`,
    });
    expect(res.headers.location).toBe(body.statusUrl);
    expect(res.headers['x-request-id']).toBeDefined();
    expect(mem.sent).toEqual([{ orderId: body.orderId, ...order, createdAt: expect.any(String) }]);
  });

  it('answers a repeated key with the same order and the same message', async () => {
    const first = await post(order, 'k-2');
    const again = await post(order, 'k-2');
    expect(again.statusCode).toBe(202);
    expect(again.json().orderId).toBe(first.json().orderId);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(mem.claims.size).toBe(1);
    expect(mem.sent).toHaveLength(2);
    expect(mem.sent[1]).toEqual(mem.sent[0]);
  });

  it('refuses a key reused for another order with 422, sending nothing', async () => {
    await post(order, 'k-3');
    const res = await post({ ...order, currency: 'USD' }, 'k-3');
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toBe('IdempotencyKeyReused');
    expect(mem.sent).toHaveLength(1);
  });

  it('gives orders without a key an id of their own each', async () => {
    const a = await post(order);
    const b = await post(order);
    expect(a.json().orderId).not.toBe(b.json().orderId);
  });

  it('answers bad input with 400 and the reasons, sending nothing', async () => {
    const res = await post({ ...order, currency: 'EURO', items: [] }, 'two words');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: 'InvalidOrder',
      reasons: [
        expect.stringMatching(/^Idempotency-Key: /),
        expect.stringMatching(/^currency: /),
        expect.stringMatching(/^items: /),
      ],
    });
    const notJson = await post('{"customer":', 'k-4');
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().error).toBe('BadRequest');
    expect(mem.sent).toEqual([]);
  });

  it('answers an oversize body with 413 before reading it', async () => {
    const res = await post({ ...order, padding: 'x'.repeat(5000) }, 'k-5');
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toBe('PayloadTooLarge');
    expect(mem.claims.size).toBe(0);
  });

  it('answers 503 with Retry-After when the queue is unavailable, leaving nothing behind', async () => {
    mem.faults.enqueue = true;
    const res = await post(order, 'k-6');
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('3');
    expect(mem.claims.size).toBe(0);
    // The retry the 503 asks for, once the queue is back, queues the order.
    mem.faults.enqueue = false;
    const retry = await post(order, 'k-6');
    expect(retry.statusCode).toBe(202);
    expect(mem.sent).toHaveLength(1);
  });

  it('answers 503 when the idempotency record cannot be written, sending nothing', async () => {
    mem.faults.claim = true;
    const res = await post(order, 'k-7');
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('3');
    expect(mem.sent).toEqual([]);
  });
});

describe('GET /orders/{id}', () => {
  it('shows a queued order without customer data, then its processor state', async () => {
    const { orderId } = (await post(order, 'k-8')).json();
    const queued = await app.inject({ method: 'GET', url: `/orders/${orderId}` });
    expect(queued.statusCode).toBe(200);
    expect(queued.json()).toEqual({ orderId, state: 'queued', createdAt: expect.any(String) });
    expect(queued.body).not.toContain('c1@example.com');
    mem.records.set(orderId, { rejection: { orderId, reason: 'order total overflows' } });
    expect((await app.inject({ method: 'GET', url: `/orders/${orderId}` })).json()).toMatchObject({
      state: 'rejected',
      reason: 'order total overflows',
    });
  });

  it('answers 404 for unknown and malformed ids', async () => {
    expect((await app.inject({ method: 'GET', url: '/orders/ord_AAAAAAAAAAAAAAAAAAAAAA' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/orders/..%2F' })).statusCode).toBe(404);
  });
});

describe('GET /healthz', () => {
  it('answers 200', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
  });
});
