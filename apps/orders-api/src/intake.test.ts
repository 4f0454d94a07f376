// SPDX-License-Identifier: MIT-0
import { describe, expect, it } from 'vitest';
import { keyProblem, ORDER_ID, orderIdFor, readOrderRequest, toOrder } from './intake.ts';

const request = {
  customer: { id: 'c-1', email: 'c1@example.com' },
  currency: 'EUR',
  items: [{ sku: 'SKU-1', quantity: 2, unitPrice: 1250 }],
};

describe('readOrderRequest', () => {
  it('accepts an order without id and time, hashing equal requests equally whatever their key order', () => {
    const a = readOrderRequest(request);
    const b = readOrderRequest({
      items: request.items,
      currency: 'EUR',
      customer: { email: 'c1@example.com', id: 'c-1' },
    });
    expect(a.ok && b.ok && a.requestHash === b.requestHash).toBe(true);
    const c = readOrderRequest({ ...request, currency: 'USD' });
    expect(a.ok && c.ok && a.requestHash !== c.requestHash).toBe(true);
  });

  it('names every field at fault', () => {
    const r = readOrderRequest({ customer: { id: '', email: 'nope' }, currency: 'EURO', items: [] });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^customer\.id: /),
        expect.stringMatching(/^customer\.email: /),
        expect.stringMatching(/^currency: currency must be an ISO 4217 code/),
        expect.stringMatching(/^items: /),
      ]),
    );
  });

  it('refuses a client-chosen order id or time (the API assigns both) and unknown fields', () => {
    const r = readOrderRequest({ ...request, orderId: 'mine', createdAt: '2026-01-01T00:00:00Z', coupon: 'X' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reasons.join()).toMatch(/orderId.*createdAt.*coupon|Unrecognized key/);
  });

  it('refuses a body that is not an object', () => {
    expect(readOrderRequest(null).ok).toBe(false);
    expect(readOrderRequest('order').ok).toBe(false);
  });
});

describe('keyProblem', () => {
  it('takes no key or one printable key up to 255 characters', () => {
    expect(keyProblem(undefined)).toBeUndefined();
    expect(keyProblem('8e03978e-40d5-43e8-bc93-6894a57f9324')).toBeUndefined();
    expect(keyProblem('a'.repeat(255))).toBeUndefined();
  });
  it('refuses empty, long, spaced, non-ASCII or repeated keys', () => {
    for (const k of ['', 'a'.repeat(256), 'two words', 'clé', ['a', 'b']]) expect(keyProblem(k)).toBeDefined();
  });
});

describe('orderIdFor', () => {
  it('is stable per customer and key, differs across customers, and fits the contract', () => {
    const id = orderIdFor('c-1', 'k');
    expect(orderIdFor('c-1', 'k')).toBe(id);
    expect(orderIdFor('c-2', 'k')).not.toBe(id);
    // No ambiguity between ("c-1", "\0k") style splits: the separator cannot occur in a key.
    expect(orderIdFor('c-1k', '')).not.toBe(orderIdFor('c-1', 'k'));
    expect(id).toMatch(ORDER_ID);
    expect(id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
  });
});

describe('toOrder', () => {
  it('builds the message the processor parses, time in UTC', () => {
    const r = readOrderRequest(request);
    if (!r.ok) throw new Error('fixture invalid');
    const order = toOrder(r.request, 'ord_x', '2026-12-03T13:00:00.000+01:00');
    expect(order).toEqual({ orderId: 'ord_x', ...request, createdAt: '2026-12-03T12:00:00.000Z' });
  });
});
