// SPDX-License-Identifier: MIT-0
import { createHash } from 'node:crypto';
import { z } from 'zod';

/** Money is always an integer amount of the currency's minor unit (cents, pence, ...). */
const minorUnits = z.int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const LineItemSchema = z.strictObject({
  sku: z.string().regex(/^[A-Z0-9-]{3,32}$/, 'sku must be 3-32 upper-case letters, digits or dashes'),
  quantity: z.int().positive().max(10_000),
  unitPrice: minorUnits,
});

/**
 * ISO 4217 codes as the runtime's ICU data knows them (Node 24 ships full ICU): the current
 * currencies, without the codes for metals, testing and "no currency" (XAU, XTS, XXX).
 */
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

export const OrderSchema = z.strictObject({
  orderId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'orderId must be 1-64 letters, digits, _ or -'),
  // 254: the longest address SMTP can carry (RFC 5321, 4.5.3.1.3). Every field is bounded, so a
  // valid order stays far below DynamoDB's 400 KB item and SNS's 256 KiB message, while SQS
  // takes bodies up to 1 MiB: an order too large for them is invalid input, not a failed write.
  customer: z.strictObject({ id: z.string().min(1).max(64), email: z.email().max(254) }),
  currency: z.string().refine((c) => CURRENCIES.has(c), 'currency must be an ISO 4217 code such as EUR'),
  items: z.array(LineItemSchema).min(1).max(100),
  // Any offset names one instant: stored in UTC so equal orders compare (and hash) equal.
  createdAt: z.iso.datetime({ offset: true }).transform((v) => new Date(v).toISOString()),
});

export type Order = z.infer<typeof OrderSchema>;
export type TotalBand = 'small' | 'medium' | 'large';

/** A record that can never succeed: retrying it cannot help, the redrive policy parks it in the DLQ. */
export class InvalidOrderError extends Error {
  override name = 'InvalidOrderError';
}

/** Parses an SQS message body into an order, or throws InvalidOrderError with a readable reason. */
export function parseOrder(body: string): Order {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    throw new InvalidOrderError(`body is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const result = OrderSchema.safeParse(json);
  if (!result.success) {
    const reason = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new InvalidOrderError(`order does not match the schema: ${reason}`);
  }
  return result.data;
}

/** Order total in minor units; exact integer arithmetic, rejects totals beyond the safe integer range. */
export function orderTotal(order: Order): number {
  let total = 0;
  for (const item of order.items) total += item.quantity * item.unitPrice;
  if (!Number.isSafeInteger(total)) throw new InvalidOrderError(`order ${order.orderId} total overflows`);
  return total;
}

/** Coarse band a subscriber can filter on: below 100.00, below 1,000.00, or above (in minor units). */
export function totalBand(total: number): TotalBand {
  if (total < 10_000) return 'small';
  if (total < 100_000) return 'medium';
  return 'large';
}

/** JSON with object keys sorted, so the same content always serialises the same way. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * SHA-256 of what the customer ordered (the validated order's fields, keys sorted, date-time in
 * UTC): two messages with one order id are the same order exactly when their hashes are equal.
 */
export function contentHash(order: Order): string {
  const { orderId, customer, currency, items, createdAt } = order;
  return createHash('sha256').update(canonicalJson({ orderId, customer, currency, items, createdAt })).digest('hex');
}

export interface StoredOrder extends Order {
  total: number;
  totalBand: TotalBand;
  storedAt: string;
  contentHash: string;
  /** Set, once, after the order's notice was published: an order with it is never announced again. */
  announcedAt?: string;
}

export function toStoredOrder(order: Order, now: Date): StoredOrder {
  const total = orderTotal(order);
  return { ...order, total, totalBand: totalBand(total), storedAt: now.toISOString(), contentHash: contentHash(order) };
}

/** The content hash of a stored item (computed for items stored before hashes were kept). */
export function storedContentHash(stored: StoredOrder): string {
  return stored.contentHash ?? contentHash({ ...orderOf(stored), createdAt: new Date(stored.createdAt).toISOString() });
}

/** The order fields of a stored item (what the customer sent, validated), for comparing and logging. */
export function orderOf(stored: StoredOrder): Order {
  const { orderId, customer, currency, items, createdAt } = stored;
  return { orderId, customer, currency, items, createdAt };
}

export const ORDER_ACCEPTED = 'OrderAccepted';

/** The SNS notice for a stored order: message body and the attributes subscribers filter on. */
export function notice(stored: StoredOrder) {
  return {
    message: JSON.stringify({
      eventType: ORDER_ACCEPTED,
      orderId: stored.orderId,
      customerId: stored.customer.id,
      currency: stored.currency,
      total: stored.total,
    }),
    attributes: {
      eventType: { DataType: 'String', StringValue: ORDER_ACCEPTED },
      totalBand: { DataType: 'String', StringValue: stored.totalBand },
      currency: { DataType: 'String', StringValue: stored.currency },
    },
  };
}
