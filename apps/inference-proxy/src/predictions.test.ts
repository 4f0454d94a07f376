// SPDX-License-Identifier: MIT-0
import { describe, expect, it } from 'vitest';
import { HttpError } from './errors.ts';
import { parseModelResponse, topK } from './predictions.ts';

const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));

describe('topK', () => {
  const preds = [
    { label: 'a', score: 0.1 },
    { label: 'b', score: 0.5 },
    { label: 'c', score: 0.3 },
    { label: 'd', score: 0.3 },
  ];
  it('returns the k best, highest first, ties in model order', () => {
    expect(topK(preds, 3).map((p) => p.label)).toEqual(['b', 'c', 'd']);
    expect(topK(preds, 1)).toEqual([{ label: 'b', score: 0.5 }]);
    expect(topK(preds, 10)).toHaveLength(4);
  });
});

describe('parseModelResponse', () => {
  it('accepts [{label, score}]', () => {
    expect(parseModelResponse(enc([{ label: 'x', score: 0.9 }]))).toEqual([{ label: 'x', score: 0.9 }]);
  });
  it('502 for anything else', () => {
    for (const body of [enc('not json'), enc({ label: 'x' }), enc([]), enc([{ label: 1, score: 'a' }]), undefined]) {
      expect(() => parseModelResponse(body)).toThrow(HttpError);
      try {
        parseModelResponse(body);
      } catch (err) {
        expect((err as HttpError).status).toBe(502);
      }
    }
  });
});
