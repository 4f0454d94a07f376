// SPDX-License-Identifier: MIT-0
/** An error the proxy answers with its own status and message (never a stack trace). */
export class HttpError extends Error {
  override name = 'HttpError';
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const THROTTLED_OR_UNAVAILABLE = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'ServiceUnavailable',
  'ModelNotReadyException',
]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'EAI_AGAIN',
]);

interface SdkLikeError {
  name?: string;
  code?: string;
  message?: string;
  OriginalStatusCode?: number;
  $metadata?: { httpStatusCode?: number };
}

/**
 * Maps a failed InvokeEndpoint call to the proxy's answer:
 *   ModelError with the container's 400/413/415  -> that status (the model rejected the image)
 *   ValidationError "... has oversize body"      -> 413 (over the endpoint's payload limit: 4 MB serverless)
 *   other ModelError, InternalFailure, anything else -> 502
 *   throttling, model not ready, service unavailable, endpoint unreachable -> 503
 *   the SDK's request or connection timeout -> 504
 */
export function mapInvokeError(err: unknown): HttpError {
  const e = (err ?? {}) as SdkLikeError;
  const name = e.name ?? '';
  if (name === 'ModelError') {
    const original = e.OriginalStatusCode;
    if (original === 400 || original === 413 || original === 415) {
      return new HttpError(original, 'the model could not process this image');
    }
    return new HttpError(502, 'the model failed to process the request');
  }
  if (name === 'ValidationError' && /oversize body/.test(e.message ?? '')) {
    return new HttpError(413, 'the image is larger than the model endpoint accepts');
  }
  if (THROTTLED_OR_UNAVAILABLE.has(name) || e.$metadata?.httpStatusCode === 429) {
    return new HttpError(503, 'the model endpoint is busy or unavailable; retry later');
  }
  if (name === 'TimeoutError' || e.code === 'ETIMEDOUT' || name === 'RequestTimeout') {
    return new HttpError(504, 'the model endpoint did not answer in time');
  }
  if ((e.code && NETWORK_CODES.has(e.code)) || NETWORK_CODES.has(name)) {
    return new HttpError(503, 'the model endpoint is unreachable; retry later');
  }
  return new HttpError(502, 'the model endpoint returned an error');
}
