// SPDX-License-Identifier: MIT-0
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '@aws-lambda-powertools/logger';
import { DEFAULT_MAX_BYTES, errorReply, isAcceptedContentType, mediaType, route, sortByScore } from './contract.ts';
import type { Classifier } from './model.ts';
import { toModelInput, UndecodableImageError } from './preprocess.ts';

export interface ServerOptions {
  classifier: Classifier;
  logger: Logger;
  maxBytes?: number;
}

class BodyTooLargeError extends Error {}

/** The HTTP server SageMaker talks to: GET /ping, POST /invocations (and the runtime path). */
export function createModelServer(opts: ServerOptions): Server {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      opts.logger.error('request failed', { error: err });
      if (!res.headersSent) send(res, 500, { message: 'internal error' });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const r = route(req.method, req.url);
    if (r.kind === 'ping') return send(res, 200, { status: 'healthy' });
    if (r.kind === 'not-found') return send(res, 404, { message: `no route for ${req.method} ${req.url}` });
    if (r.kind === 'method-not-allowed') return send(res, 405, { message: `${req.method} not allowed on ${req.url}` });

    const runtimePath = r.endpoint !== undefined;
    const fail = (status: number, message: string) => {
      const reply = errorReply(status, message, runtimePath);
      opts.logger.warn('invocation rejected', { status, reason: message, endpoint: r.endpoint });
      req.resume();
      send(res, reply.status, reply.body, reply.headers);
    };
    if (!isAcceptedContentType(req.headers['content-type'])) {
      return fail(
        415,
        `unsupported content type "${mediaType(req.headers['content-type'])}"; send image/jpeg, image/png or image/webp`,
      );
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBytes) return fail(413, `body of ${declared} bytes exceeds ${maxBytes}`);
    let body: Buffer;
    try {
      body = await readBody(req, maxBytes);
    } catch (err) {
      if (err instanceof BodyTooLargeError) return fail(413, `body exceeds ${maxBytes} bytes`);
      throw err;
    }
    if (body.length === 0) return fail(400, 'empty body');

    const t0 = performance.now();
    let input: Awaited<ReturnType<typeof toModelInput>>;
    try {
      input = await toModelInput(body);
    } catch (err) {
      if (err instanceof UndecodableImageError) return fail(400, err.message);
      throw err;
    }
    const predictions = sortByScore(await opts.classifier.classify(input.rgb, input.width, input.height));
    opts.logger.info('classified', {
      endpoint: r.endpoint,
      bytes: body.length,
      top: predictions[0],
      ms: Math.round(performance.now() - t0),
    });
    const headers: Record<string, string> = runtimePath ? { 'x-amzn-invoked-production-variant': 'AllTraffic' } : {};
    send(res, 200, predictions, headers);
  }

  return server;
}

function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}
