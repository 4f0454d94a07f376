// SPDX-License-Identifier: MIT-0

/** What the API's table, the processor's orders table and its rejections table hold for one id. */
export interface Records {
  request?: { orderId: string; createdAt: string };
  stored?: { orderId: string; total?: number; currency?: string; storedAt?: string };
  rejection?: { orderId: string; reason?: string; rejectedAt?: string };
}

/** The public view of an order: its state and nothing about the customer (ids are guessable). */
export type OrderState =
  | { orderId: string; state: 'queued'; createdAt: string }
  | { orderId: string; state: 'accepted'; total?: number; currency?: string; acceptedAt?: string }
  | { orderId: string; state: 'rejected'; reason: string; rejectedAt?: string };

/**
 * The processor's tables win over the API's: a stored order is accepted even if a later
 * message with its id was rejected, a rejection is final for an order never stored, and an
 * order the API took but the processor has not seen yet is queued. Undefined: unknown id.
 */
export function orderState(orderId: string, r: Records): OrderState | undefined {
  if (r.stored) {
    return {
      orderId,
      state: 'accepted',
      total: r.stored.total,
      currency: r.stored.currency,
      acceptedAt: r.stored.storedAt,
    };
  }
  if (r.rejection) {
    return {
      orderId,
      state: 'rejected',
      reason: r.rejection.reason ?? 'rejected',
      rejectedAt: r.rejection.rejectedAt,
    };
  }
  if (r.request) return { orderId, state: 'queued', createdAt: r.request.createdAt };
  return undefined;
}
