import { describe, expect, it } from 'vitest';
import { InvalidOrderError, notice, orderTotal, parseOrder, toStoredOrder, totalBand } from './order.ts';

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
  it('accepts a valid order', () => {
    expect(parseOrder(JSON.stringify(valid))).toEqual(valid);
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

describe('notice', () => {
  it('carries filterable attributes', () => {
    const stored = toStoredOrder(parseOrder(JSON.stringify(valid)), new Date('2026-11-22T10:00:01Z'));
    const n = notice(stored);
    expect(n.attributes.eventType.StringValue).toBe('OrderAccepted');
    expect(n.attributes.totalBand.StringValue).toBe('small');
    expect(JSON.parse(n.message)).toMatchObject({ orderId: 'o-1', total: 6002 });
  });
});
