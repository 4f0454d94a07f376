import { randomUUID } from 'node:crypto';
import {
  Agent,
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  request,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  checkRequest,
  identify,
  needsBody,
  type Operation,
  oversizedLambdaResponse,
  type Refusal,
  s3AccessDenied,
} from './limits.ts';

export interface LimitingProxy {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * A reverse proxy between every SDK client and the emulator, so that the code under test
 * sees what AWS would where the emulator differs: the payload limits of limits.ts, S3's 403
 * for a missing key the caller may not list, and TLS (`aws:SecureTransport`). Bodies stream
 * through untouched, except for the few operations whose limit needs their size.
 */
export async function startProxy(opts: { target: string; port?: number; host?: string }): Promise<LimitingProxy> {
  const target = new URL(opts.target);
  const agent = new Agent({ keepAlive: true });
  const server = createServer((req, res) => {
    handle(req, res, target, agent).catch((error: unknown) => fail(res, error));
  });
  // Chunked uploads and long polls outlive Node's default request timeout.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  server.keepAliveTimeout = 75_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}

function fail(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy(error as Error);
    return;
  }
  res.writeHead(502, { 'content-type': 'text/plain' });
  res.end(`proxy: ${(error as Error).message ?? String(error)}`);
}

/**
 * Every request that reaches AWS came over TLS, so `aws:SecureTransport` is true there; the
 * emulators derive it from the connection or X-Forwarded-Proto. Without this header every
 * "SSL only" bucket or queue policy a CDK stack adds would deny the code under test.
 */
function upstreamHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = { ...headers, 'x-forwarded-proto': 'https' };
  // The proxy answers 100-continue itself (Node does) and streams the body right away.
  delete out.expect;
  return out;
}

function send(res: ServerResponse, r: Refusal): void {
  res.writeHead(r.status, { ...r.headers, 'content-length': String(Buffer.byteLength(r.body)) });
  res.end(r.body);
}

function forward(
  target: URL,
  agent: Agent,
  method: string,
  path: string,
  headers: OutgoingHttpHeaders,
  body?: Buffer | IncomingMessage,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const up = request({ host: target.hostname, port: target.port, method, path, headers, agent }, resolve);
    up.on('error', reject);
    if (body === undefined) up.end();
    else if (Buffer.isBuffer(body)) up.end(body);
    else body.pipe(up);
  });
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function passThrough(res: ServerResponse, up: IncomingMessage, body?: Buffer): void {
  res.writeHead(up.statusCode ?? 502, up.statusMessage, up.rawHeaders);
  if (body) res.end(body);
  else up.pipe(res);
}

async function handle(req: IncomingMessage, res: ServerResponse, target: URL, agent: Agent): Promise<void> {
  const method = req.method ?? 'GET';
  const path = req.url ?? '/';
  const op = identify(method, path, req.headers);
  const headers = upstreamHeaders(req.headers);

  let body: Buffer | IncomingMessage = req;
  if (needsBody(op)) {
    body = await readAll(req);
    const refusal = checkRequest(op, req.headers, body);
    if (refusal) {
      send(res, refusal);
      return;
    }
    delete headers['transfer-encoding'];
    headers['content-length'] = String(body.length);
  }
  const bodiless = !Buffer.isBuffer(body) && (method === 'GET' || method === 'HEAD');
  const up = await forward(target, agent, method, path, headers, bodiless ? undefined : body);
  if (bodiless) req.resume();

  if (op.service === 'lambda' && op.operation === 'Invoke' && isSync(req.headers)) {
    const payload = await readAll(up);
    const over = (up.statusCode ?? 0) === 200 ? oversizedLambdaResponse(payload.length) : undefined;
    if (over) send(res, over);
    else passThrough(res, up, payload);
    return;
  }
  if (op.bucket && op.key && up.statusCode === 404) {
    const payload = await readAll(up);
    if (
      (method === 'HEAD' || /<Code>NoSuchKey<\/Code>/.test(payload.toString('utf8'))) &&
      !(await mayList(op, req, target, agent))
    ) {
      send(res, s3AccessDenied(method, randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase()));
      return;
    }
    passThrough(res, up, payload);
    return;
  }
  passThrough(res, up);
}

function isSync(headers: IncomingHttpHeaders): boolean {
  const type = String(headers['x-amz-invocation-type'] ?? 'RequestResponse');
  return type === 'RequestResponse';
}

/**
 * S3 answers a missing key with 404 only to a caller allowed s3:ListBucket, and with 403
 * AccessDenied to anyone else, so that a caller cannot learn which keys exist
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, "Permissions").
 * The emulators answer 404 to everyone; the proxy asks them, as the same caller, whether it
 * may list the bucket: a ListObjectsV2 that returns no keys.
 */
async function mayList(op: Operation, req: IncomingMessage, target: URL, agent: Agent): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://proxy.invalid');
  const q = url.searchParams;
  const headers: OutgoingHttpHeaders = {
    host: req.headers.host,
    'x-forwarded-proto': 'https',
    'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
  };
  if (req.headers.authorization) {
    headers.authorization = req.headers.authorization;
    headers['x-amz-date'] = req.headers['x-amz-date'];
    if (req.headers['x-amz-security-token']) headers['x-amz-security-token'] = req.headers['x-amz-security-token'];
  } else if (q.get('X-Amz-Credential')) {
    // A presigned GET: the same credential, in a header, names the same caller.
    headers.authorization = `AWS4-HMAC-SHA256 Credential=${q.get('X-Amz-Credential')}, SignedHeaders=host, Signature=${q.get('X-Amz-Signature') ?? ''}`;
    headers['x-amz-date'] = q.get('X-Amz-Date') ?? '';
    const token = q.get('X-Amz-Security-Token');
    if (token) headers['x-amz-security-token'] = token;
  } else {
    // Anonymous: S3 lets an anonymous caller see 404 only where the bucket policy allows listing.
  }
  const list = `/${op.bucket}?list-type=2&max-keys=0&prefix=${encodeURIComponent(op.key ?? '')}`;
  const up = await forward(target, agent, 'GET', list, headers);
  up.resume();
  return up.statusCode !== 403;
}
