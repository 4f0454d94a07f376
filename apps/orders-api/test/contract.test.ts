import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// The order contract has one source, the order processor's src/order.ts; this app carries a
// byte-identical copy so its src/ can be copied alone. Change both, or this fails.
describe('apps/orders-api/src/order.ts', () => {
  it('is a byte-identical copy of the order processor contract', () => {
    const copy = readFileSync(new URL('../src/order.ts', import.meta.url));
    const source = readFileSync(new URL('../../order-processor/src/order.ts', import.meta.url));
    expect(copy.equals(source)).toBe(true);
  });
});
