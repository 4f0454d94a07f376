// SPDX-License-Identifier: MIT-0
import { describe, expect, it } from 'vitest';
import { contentHash, InvalidOrderError, notice, orderTotal, parseOrder, toStoredOrder, totalBand } from './order.ts';

const valid = {
  orderId: 'o-1',
  customer: { id: 'c-1', email: 'a@example.com' },
  currency: 'EUR',
  items: [
    { sku: 'SKU-1', quantity: 3, unitPrice: 1999 },
    { sku: 'SKU-2', quantity: 1, unitPrice: 5 },
  ],
  createdAt: '2026-11-22T10:00:00Z',
};

describe('parseOrder', () => {
  it('accepts a valid order, its date-time stored in UTC with milliseconds', () => {
    expect(parseOrder(JSON.stringify(valid))).toEqual({ ...valid, createdAt: '2026-11-22T10:00:00.000Z' });
  });
  it('accepts ISO 8601 date-times with an offset and stores them normalised to UTC', () => {
    // The README promises ISO 8601 date-times; an offset names the same instant as its UTC form.
    for (const createdAt of ['2026-11-22T12:00:00+02:00', '2026-11-22T05:00:00-05:00', '2026-11-22T10:00:00.000Z']) {
      expect(parseOrder(JSON.stringify({ ...valid, createdAt })).createdAt).toBe('2026-11-22T10:00:00.000Z');
    }
    expect(parseOrder(JSON.stringify({ ...valid, createdAt: '2026-11-22T15:30:00.250+05:30' })).createdAt).toBe(
      '2026-11-22T10:00:00.250Z',
    );
  });
  it('accepts an email address of up to 254 characters, the longest SMTP carries', () => {
    const email = (n: number) => `${'a'.repeat(n - '@example.com'.length)}@example.com`;
    expect(parseOrder(JSON.stringify({ ...valid, customer: { id: 'c-1', email: email(254) } })).customer.email).toBe(
      email(254),
    );
    expect(() => parseOrder(JSON.stringify({ ...valid, customer: { id: 'c-1', email: email(255) } }))).toThrow(
      /customer\.email/,
    );
  });
  it('rejects date-times without a zone, dates alone and impossible dates', () => {
    for (const createdAt of ['2026-11-22T10:00:00', '2026-11-22', '2026-02-30T10:00:00Z', 'yesterday']) {
      expect(() => parseOrder(JSON.stringify({ ...valid, createdAt })), createdAt).toThrow(/createdAt/);
    }
  });
  it('accepts ISO 4217 currency codes and rejects three capitals that are not one', () => {
    for (const currency of ['EUR', 'USD', 'JPY', 'GBP', 'CHF']) {
      expect(parseOrder(JSON.stringify({ ...valid, currency })).currency).toBe(currency);
    }
    for (const currency of ['ABC', 'EUX', 'QQQ', 'eur', 'EURO']) {
      expect(() => parseOrder(JSON.stringify({ ...valid, currency })), currency).toThrow(/currency/);
    }
  });
  it('rejects malformed JSON with a clear reason', () => {
    expect(() => parseOrder('{"orderId":')).toThrow(/body is not JSON/);
    expect(() => parseOrder('{"orderId":')).toThrow(InvalidOrderError);
  });
  it('rejects fractional money and names the field', () => {
    const bad = { ...valid, items: [{ sku: 'SKU-1', quantity: 1, unitPrice: 19.99 }] };
    expect(() => parseOrder(JSON.stringify(bad))).toThrow(/items\.0\.unitPrice/);
  });
  it('rejects missing items, unknown fields and bad currency', () => {
    expect(() => parseOrder(JSON.stringify({ ...valid, items: [] }))).toThrow(/items/);
    expect(() => parseOrder(JSON.stringify({ ...valid, extra: 1 }))).toThrow(InvalidOrderError);
    expect(() => parseOrder(JSON.stringify({ ...valid, currency: 'euro' }))).toThrow(/currency/);
  });
});

describe('totals', () => {
  it('sums in integer minor units', () => {
    expect(orderTotal(parseOrder(JSON.stringify(valid)))).toBe(3 * 1999 + 5);
  });
  it('rejects totals beyond the safe integer range', () => {
    const huge = { ...valid, items: [{ sku: 'SKU-1', quantity: 10_000, unitPrice: Number.MAX_SAFE_INTEGER }] };
    expect(() => orderTotal(parseOrder(JSON.stringify(huge)))).toThrow(/overflows/);
  });
  it('bands totals', () => {
    expect([totalBand(0), totalBand(9_999), totalBand(10_000), totalBand(99_999), totalBand(100_000)]).toEqual([
      'small',
      'small',
      'medium',
      'medium',
      'large',
    ]);
  });
});

describe('contentHash', () => {
  const order = () => parseOrder(JSON.stringify(valid));
  it('is the same for the same order however its JSON is written', () => {
    const reordered = {
      createdAt: '2026-11-22T11:00:00+01:00',
      items: valid.items.map(({ unitPrice, quantity, sku }) => ({ unitPrice, quantity, sku })),
      currency: 'EUR',
      customer: { email: 'a@example.com', id: 'c-1' },
      orderId: 'o-1',
    };
    expect(contentHash(parseOrder(JSON.stringify(reordered)))).toBe(contentHash(order()));
  });
  it('differs when anything the customer ordered differs', () => {
    const base = contentHash(order());
    const changed = [
      { ...valid, currency: 'USD' },
      { ...valid, items: [{ ...valid.items[0], quantity: 4 }, valid.items[1]] },
      { ...valid, items: [valid.items[1], valid.items[0]] },
      { ...valid, customer: { ...valid.customer, email: 'b@example.com' } },
      { ...valid, createdAt: '2026-11-22T10:00:01Z' },
    ];
    for (const c of changed) expect(contentHash(parseOrder(JSON.stringify(c)))).not.toBe(base);
  });
  it('is carried by the stored order, which starts unannounced', () => {
    const stored = toStoredOrder(order(), new Date('2026-11-22T10:00:01Z'));
    expect(stored.contentHash).toBe(contentHash(order()));
    expect(stored).not.toHaveProperty('announcedAt');
  });
});

describe('notice', () => {
  it('carries filterable attributes', () => {
    const stored = toStoredOrder(parseOrder(JSON.stringify(valid)), new Date('2026-11-22T10:00:01Z'));
    const n = notice(stored);
    expect(n.attributes.eventType.StringValue).toBe('OrderAccepted');
    expect(n.attributes.totalBand.StringValue).toBe('small');
    expect(JSON.parse(n.message)).toMatchObject({ orderId: 'o-1', total: 6002 });
  });
});
