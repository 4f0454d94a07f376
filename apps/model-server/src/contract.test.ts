// SPDX-License-Identifier: MIT-0
import { describe, expect, it } from 'vitest';
import { errorReply, isAcceptedContentType, mediaType, route, sortByScore } from './contract.ts';

describe('route', () => {
  it('answers the container contract', () => {
    expect(route('GET', '/ping')).toEqual({ kind: 'ping' });
    expect(route('POST', '/invocations')).toEqual({ kind: 'invoke', endpoint: undefined });
  });
  it('answers the SageMaker runtime path with the endpoint name', () => {
    expect(route('POST', '/endpoints/my-endpoint-1/invocations')).toEqual({
      kind: 'invoke',
      endpoint: 'my-endpoint-1',
    });
    expect(route('POST', '/endpoints/-bad/invocations')).toEqual({ kind: 'not-found' });
  });
  it('rejects other methods and paths', () => {
    expect(route('POST', '/ping')).toEqual({ kind: 'method-not-allowed' });
    expect(route('GET', '/invocations')).toEqual({ kind: 'method-not-allowed' });
    expect(route('GET', '/')).toEqual({ kind: 'not-found' });
  });
});

describe('content types', () => {
  it('accepts JPEG, PNG, WebP and application/x-image, ignoring parameters and case', () => {
    for (const t of ['image/jpeg', 'image/PNG', 'image/webp; q=1', 'application/x-image']) {
      expect(isAcceptedContentType(t)).toBe(true);
    }
    expect(mediaType(' Image/JPEG ; charset=x')).toBe('image/jpeg');
  });
  it('rejects anything else', () => {
    for (const t of [undefined, '', 'image/gif', 'application/json', 'text/plain']) {
      expect(isAcceptedContentType(t)).toBe(false);
    }
  });
});

describe('errorReply', () => {
  it('is the plain status on the container path', () => {
    expect(errorReply(415, 'nope', false)).toEqual({ status: 415, headers: {}, body: { message: 'nope' } });
  });
  it('is a 424 ModelError with the original status on the runtime path', () => {
    const r = errorReply(400, 'bad image', true);
    expect(r.status).toBe(424);
    expect(r.headers['x-amzn-errortype']).toBe('ModelError');
    expect(r.body.OriginalStatusCode).toBe(400);
    expect(r.body.OriginalMessage).toBe('bad image');
  });
});

describe('sortByScore', () => {
  it('sorts highest first without mutating its input', () => {
    const input = [
      { label: 'a', score: 0.1 },
      { label: 'b', score: 0.7 },
      { label: 'c', score: 0.2 },
    ];
    expect(sortByScore(input).map((p) => p.label)).toEqual(['b', 'c', 'a']);
    expect(input[0]!.label).toBe('a');
  });
});
