// SPDX-License-Identifier: MIT-0
import { describe, expect, it } from 'vitest';
import { mapInvokeError } from './errors.ts';

const sdkError = (name: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(name), { name, ...extra });

describe('mapInvokeError', () => {
  it('passes the model rejecting the image through as 400/413/415', () => {
    for (const s of [400, 413, 415]) {
      expect(mapInvokeError(sdkError('ModelError', { OriginalStatusCode: s })).status).toBe(s);
    }
  });
  it('413 for a body over the endpoint payload limit (a serverless endpoint answers ValidationError)', () => {
    const e = sdkError('ValidationError', { message: 'Request 0b1c-2d3e has oversize body.' });
    expect(mapInvokeError(e).status).toBe(413);
    expect(mapInvokeError(e).message).toBe('the image is larger than the model endpoint accepts');
  });
  it('502 for other model errors and unknown failures', () => {
    expect(mapInvokeError(sdkError('ModelError', { OriginalStatusCode: 500 })).status).toBe(502);
    expect(mapInvokeError(sdkError('InternalFailure')).status).toBe(502);
    expect(mapInvokeError(sdkError('ValidationError')).status).toBe(502);
    expect(mapInvokeError(undefined).status).toBe(502);
  });
  it('503 for throttling, a model not ready and an unreachable endpoint', () => {
    expect(mapInvokeError(sdkError('ThrottlingException')).status).toBe(503);
    expect(mapInvokeError(sdkError('ModelNotReadyException')).status).toBe(503);
    expect(mapInvokeError(sdkError('ServiceUnavailable')).status).toBe(503);
    expect(mapInvokeError(sdkError('Whatever', { $metadata: { httpStatusCode: 429 } })).status).toBe(503);
    expect(mapInvokeError(sdkError('Error', { code: 'ECONNREFUSED' })).status).toBe(503);
    expect(mapInvokeError(sdkError('Error', { code: 'ECONNRESET' })).status).toBe(503);
  });
  it('504 for SDK timeouts', () => {
    expect(mapInvokeError(sdkError('TimeoutError')).status).toBe(504);
    expect(mapInvokeError(sdkError('Error', { code: 'ETIMEDOUT' })).status).toBe(504);
  });
  it('never exposes the underlying message', () => {
    const mapped = mapInvokeError(sdkError('InternalFailure', { message: 'secret stack at /var/task/x.js' }));
    expect(mapped.message).not.toContain('secret');
  });
});
