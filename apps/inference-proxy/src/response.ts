// SPDX-License-Identifier: MIT-0
/** What the handler returns: valid for both API Gateway REST (v1) and HTTP API (v2). */
export interface ProxyResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** CORS headers for REST APIs; none when allowOrigin is empty (an HTTP API's own CORS configuration answers). */
export function corsHeaders(allowOrigin: string): Record<string, string> {
  if (!allowOrigin) return {};
  return {
    'access-control-allow-origin': allowOrigin,
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-allow-headers': 'content-type',
    'access-control-expose-headers': 'x-request-id',
  };
}

export function jsonResult(
  statusCode: number,
  body: unknown,
  opts: { requestId: string; allowOrigin: string },
): ProxyResult {
  return {
    statusCode,
    headers: {
      'content-type': 'application/json',
      'x-request-id': opts.requestId,
      ...corsHeaders(opts.allowOrigin),
    },
    body: body === undefined ? '' : JSON.stringify(body),
  };
}
