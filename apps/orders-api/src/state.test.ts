// SPDX-License-Identifier: MIT-0
import { describe, expect, it } from 'vitest';
import { orderState } from './state.ts';

const request = { orderId: 'o', createdAt: '2026-12-03T12:00:00.000Z' };
const stored = { orderId: 'o', total: 2500, currency: 'EUR', storedAt: '2026-12-03T12:00:01.000Z' };
const rejection = { orderId: 'o', reason: 'order o total overflows', rejectedAt: '2026-12-03T12:00:02.000Z' };

describe('orderState', () => {
  it('is unknown without any record', () => {
    expect(orderState('o', {})).toBeUndefined();
  });
  it('is queued while only the API knows the order', () => {
    expect(orderState('o', { request })).toEqual({ orderId: 'o', state: 'queued', createdAt: request.createdAt });
  });
  it('is accepted once stored, even if a later message with its id was rejected', () => {
    expect(orderState('o', { request, stored, rejection })).toEqual({
      orderId: 'o',
      state: 'accepted',
      total: 2500,
      currency: 'EUR',
      acceptedAt: stored.storedAt,
    });
  });
  it('is rejected with its reason when the processor refused it', () => {
    expect(orderState('o', { request, rejection })).toMatchObject({ state: 'rejected', reason: rejection.reason });
  });
});
