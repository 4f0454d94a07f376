// SPDX-License-Identifier: MIT-0
import { createHash } from 'node:crypto';
import { type Order, OrderSchema, parseOrder } from './order.ts';

/**
 * What a storefront posts: the order without its id and time, which the API assigns (the id
 * from the Idempotency-Key, the time when that key was first accepted), so a retried request
 * becomes the very same order message.
 */
export const OrderRequestSchema = OrderSchema.omit({ orderId: true, createdAt: true });
export type OrderRequest = ReturnType<typeof OrderRequestSchema.parse>;

/** Printable ASCII without spaces, as the IETF Idempotency-Key draft's examples use; bounded. */
const KEY = /^[\x21-\x7e]{1,255}$/;
export const ORDER_ID = /^ord_[A-Za-z0-9_-]{22}$/;

export type Intake = { ok: true; request: OrderRequest; requestHash: string } | { ok: false; reasons: string[] };

/** Validates a parsed JSON body against the order contract; the reasons name each field at fault. */
export function readOrderRequest(body: unknown): Intake {
  const result = OrderRequestSchema.safeParse(body);
  if (!result.success) {
    return { ok: false, reasons: result.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`) };
  }
  // zod returns the schema's keys in the schema's order, so equal requests serialise equally.
  const requestHash = createHash('sha256').update(JSON.stringify(result.data)).digest('hex');
  return { ok: true, request: result.data, requestHash };
}

/** Why an Idempotency-Key header is unusable, or undefined when it is fine (or absent). */
export function keyProblem(key: string | string[] | undefined): string | undefined {
  if (key === undefined) return undefined;
  if (Array.isArray(key)) return 'Idempotency-Key: send one header, not several';
  if (!KEY.test(key)) return 'Idempotency-Key: 1-255 printable ASCII characters without spaces';
  return undefined;
}

/**
 * The order id for a customer's Idempotency-Key: 132 bits of SHA-256, so one key from one
 * customer always names one order, keys of different customers never collide, and ids of
 * random keys cannot be guessed.
 */
export function orderIdFor(customerId: string, key: string): string {
  const digest = createHash('sha256').update(customerId).update('\0').update(key).digest('base64url');
  return `ord_${digest.slice(0, 22)}`;
}

/** The order message as the processor's contract reads it (and checks it, once more, here). */
export function toOrder(request: OrderRequest, orderId: string, createdAt: string): Order {
  return parseOrder(JSON.stringify({ orderId, ...request, createdAt }));
}
