// SPDX-License-Identifier: MIT-0
/**
 * The pure parts of the SageMaker inference container contract: which requests the
 * server answers, which content types it accepts and how a failure is reported.
 */

/** Content types accepted by POST /invocations (application/x-image is SageMaker's generic one). */
export const IMAGE_CONTENT_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'application/x-image'] as const;

/** SageMaker real-time endpoints accept at most 6 MB per request (serverless: 4 MB). */
export const DEFAULT_MAX_BYTES = 6 * 1024 * 1024;

export type Route =
  | { kind: 'ping' }
  | { kind: 'invoke'; endpoint: string | undefined }
  | { kind: 'method-not-allowed' }
  | { kind: 'not-found' };

/**
 * `GET /ping` and `POST /invocations` are the container contract; `POST
 * /endpoints/{name}/invocations` is the SageMaker runtime API's path, answered so that an
 * SDK client whose endpoint is set to this server reaches it unchanged.
 */
export function route(method: string | undefined, url: string | undefined): Route {
  const path = new URL(url ?? '/', 'http://x').pathname;
  const runtime = /^\/endpoints\/([A-Za-z0-9](?:-*[A-Za-z0-9]){0,62})\/invocations$/.exec(path);
  if (path === '/ping')
    return method === 'GET' || method === 'HEAD' ? { kind: 'ping' } : { kind: 'method-not-allowed' };
  if (path === '/invocations' || runtime) {
    return method === 'POST' ? { kind: 'invoke', endpoint: runtime?.[1] } : { kind: 'method-not-allowed' };
  }
  return { kind: 'not-found' };
}

/** The media type of a Content-Type header, lower case, without parameters. */
export function mediaType(header: string | undefined): string {
  return ((header ?? '').split(';', 1)[0] ?? '').trim().toLowerCase();
}

export function isAcceptedContentType(header: string | undefined): boolean {
  return (IMAGE_CONTENT_TYPES as readonly string[]).includes(mediaType(header));
}

export interface ErrorReply {
  status: number;
  headers: Record<string, string>;
  body: { message: string; OriginalStatusCode?: number; OriginalMessage?: string };
}

/**
 * On the container path an error is the plain status and message. On the runtime path
 * it is shaped as SageMaker runtime shapes a failed model call: 424 ModelError carrying the
 * container's original status, so a client sees the same error it would see on AWS.
 */
export function errorReply(status: number, message: string, runtimePath: boolean): ErrorReply {
  if (!runtimePath) return { status, headers: {}, body: { message } };
  return {
    status: 424,
    headers: { 'x-amzn-errortype': 'ModelError' },
    body: {
      message: `Received client error (${status}) from primary with message "${message}".`,
      OriginalStatusCode: status,
      OriginalMessage: message,
    },
  };
}

/** Predictions sorted by score, highest first. */
export function sortByScore<T extends { score: number }>(predictions: readonly T[]): T[] {
  return [...predictions].sort((a, b) => b.score - a.score);
}
