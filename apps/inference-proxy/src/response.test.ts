// SPDX-License-Identifier: MIT-0
import { describe, expect, it } from 'vitest';
import { jsonResult } from './response.ts';

describe('jsonResult', () => {
  it('carries the request id, JSON and CORS headers', () => {
    const r = jsonResult(400, { error: 'bad' }, { requestId: 'r-1', allowOrigin: 'https://app.example.com' });
    expect(r.statusCode).toBe(400);
    expect(JSON.parse(r.body)).toEqual({ error: 'bad' });
    expect(r.headers).toMatchObject({
      'content-type': 'application/json',
      'x-request-id': 'r-1',
      'access-control-allow-origin': 'https://app.example.com',
      'access-control-expose-headers': 'x-request-id',
    });
  });
  it('leaves CORS to the API when no origin is configured', () => {
    const r = jsonResult(200, { ok: true }, { requestId: 'r-2', allowOrigin: '' });
    expect(Object.keys(r.headers).filter((k) => k.startsWith('access-control'))).toEqual([]);
  });
});
