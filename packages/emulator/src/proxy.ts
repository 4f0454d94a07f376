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
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { errorAnswer, FAULTS_PATH, type Fault, type FaultPlan, Faults, RESTART_PATH } from './faults.ts';
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
  /** Injected failures (faults.ts): off until a plan is set, here or over HTTP at FAULTS_PATH. */
  faults: Faults;
  /** What a POST to RESTART_PATH runs: restarts the emulator behind the proxy, resolving with its ms. */
  onRestart?: () => Promise<number>;
  stop(): Promise<void>;
}

/**
 * A reverse proxy between every SDK client and the emulator, so that the code under test
 * sees what AWS would where the emulator differs: the payload limits of limits.ts, S3's 403
 * for a missing key the caller may not list, and TLS (`aws:SecureTransport`). Bodies stream
 * through untouched, except for the few operations whose limit needs their size.
 * On request it also fails a share of the calls as AWS does when it fails (faults.ts), for the
 * reliability project: the Lambda functions ministack runs as processes call through it too.
 */
export async function startProxy(opts: {
  target: string;
  port?: number;
  host?: string;
  faults?: FaultPlan;
}): Promise<LimitingProxy> {
  const target = new URL(opts.target);
  const agent = new Agent({ keepAlive: true });
  const keys: Keys = new Map();
  const faults = new Faults();
  faults.configure(opts.faults);
  const self: Partial<LimitingProxy> = {};
  const server = createServer((req, res) => {
    const work = req.url?.startsWith(FAULTS_PATH)
      ? control(req, res, faults)
      : req.url?.startsWith(RESTART_PATH)
        ? restartControl(req, res, self.onRestart)
        : handle(req, res, { target, agent, keys, faults });
    work.catch((error: unknown) => fail(res, error));
  });
  // Chunked uploads and long polls outlive Node's default request timeout.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  server.keepAliveTimeout = 75_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Every interface, as the emulator itself listens: a container on the Docker bridge reaches
    // it at the gateway's address (an `external` run pointed at this proxy hands containers that).
    server.listen(opts.port ?? 0, opts.host ?? '0.0.0.0', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return Object.assign(self, {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    faults,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  }) as LimitingProxy;
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

/** The SQS answers that carry queue URLs (JSON protocol, as SDK v3 speaks it). */
const QUEUE_URL_ANSWERS = new Set(['CreateQueue', 'GetQueueUrl', 'ListQueues', 'ListDeadLetterSourceQueues']);

/** Secrets of the access keys the proxy saw created (IAM CreateAccessKey, STS AssumeRole and the like). */
type Keys = Map<string, { secretAccessKey: string; sessionToken?: string }>;

interface Context {
  target: URL;
  agent: Agent;
  keys: Keys;
  faults: Faults;
}

/** GET: what was injected and seen; PUT: a new plan (JSON FaultPlan), counters restart; DELETE: no faults. */
async function control(req: IncomingMessage, res: ServerResponse, faults: Faults): Promise<void> {
  const body = await readAll(req);
  if (req.method === 'PUT') faults.configure(JSON.parse(body.toString('utf8')) as FaultPlan);
  else if (req.method === 'DELETE') faults.configure(undefined);
  const report = JSON.stringify(faults.report());
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(report)) });
  res.end(report);
}

/**
 * POST: restarts the emulator behind the proxy (ministack's process mode with persisted state),
 * answering `{ "restartedInMs": N }` once it answers again; 501 where the harness cannot.
 */
async function restartControl(
  req: IncomingMessage,
  res: ServerResponse,
  restart: (() => Promise<number>) | undefined,
): Promise<void> {
  await readAll(req);
  const [status, body] =
    req.method !== 'POST'
      ? [405, { message: 'POST to restart' }]
      : restart
        ? [200, { restartedInMs: await restart() }]
        : [
            501,
            { message: 'this emulator cannot be restarted with its state (MINISTACK_PERSIST_STATE=1, process mode)' },
          ];
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Answers as the failing service would, or drops the connection. */
function inject(req: IncomingMessage, res: ServerResponse, service: string, fault: Fault): void {
  if (fault.kind === 'reset') {
    req.socket.destroy();
    return;
  }
  if (fault.kind === 'latency') throw new Error('latency is a delay, not an answer');
  send(res, errorAnswer(service, fault.kind, fault.variant, req.method));
}

/**
 * A call that fails: `before`, without reaching the emulator; `after`, once the emulator has
 * answered, the answer is thrown away.
 */
async function faulty(req: IncomingMessage, res: ServerResponse, ctx: Context, service: string, fault: Fault) {
  const body = await readAll(req);
  if (fault.when === 'after') {
    const headers = upstreamHeaders(req.headers);
    delete headers['transfer-encoding'];
    headers['content-length'] = String(body.length);
    const up = await forward(ctx.target, ctx.agent, req.method ?? 'POST', req.url ?? '/', headers, body);
    await readAll(up);
  }
  inject(req, res, service, fault);
}

const tag = (xml: string, name: string) => new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml)?.[1];

/** Remembers the secret of a key an IAM or STS answer hands out, so that the proxy can sign as its holder. */
export function learnKeys(xml: string, keys: Keys): void {
  const id = tag(xml, 'AccessKeyId');
  const secretAccessKey = tag(xml, 'SecretAccessKey');
  if (id && secretAccessKey) keys.set(id, { secretAccessKey, sessionToken: tag(xml, 'SessionToken') });
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: Context): Promise<void> {
  const { target, agent } = ctx;
  const method = req.method ?? 'GET';
  const path = req.url ?? '/';
  const op = identify(method, path, req.headers);
  // A faulted call is answered by the fault alone: none of the rewriting below applies to it.
  const fault = ctx.faults.decide(op.service, req.headers);
  if (fault?.kind === 'latency') await sleep(ctx.faults.latencyMs);
  else if (fault) return faulty(req, res, ctx, op.service, fault);
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
  if (
    op.service === 'sqs' &&
    QUEUE_URL_ANSWERS.has(op.operation) &&
    req.headers.host &&
    !up.headers['content-encoding']
  ) {
    // Queue URLs name the emulator's own address, and SDK v3's SQS client sends to the host of
    // the QueueUrl it is given (useQueueUrlAsEndpoint), which would bypass the proxy. They name
    // the address the caller used instead, as AWS's do; the emulator looks queues up by name
    // whatever the host. Only these answers change: message bodies stay byte for byte.
    const payload = (await readAll(up)).toString('utf8');
    const own = `//${target.host}/`;
    const theirs = `//${req.headers.host}/`;
    const rewritten = payload.replace(
      /("QueueUrls?"\s*:\s*)(\[[^\]]*\]|"[^"]*")/g,
      (_m, key: string, value: string) => `${key}${value.replaceAll(own, theirs)}`,
    );
    const headers = { ...up.headers, 'content-length': String(Buffer.byteLength(rewritten)) };
    delete headers['transfer-encoding'];
    res.writeHead(up.statusCode ?? 502, up.statusMessage, headers);
    res.end(rewritten);
    return;
  }
  if (op.service === 'cloudformation' && req.headers.host && !up.headers['content-encoding']) {
    // Stack outputs that are queue URLs (`Ref` of an AWS::SQS::Queue) name the emulator's own
    // address too: name the caller's, as for the SQS answers above. Only <OutputValue> changes.
    const payload = (await readAll(up)).toString('utf8');
    const own = `//${target.host}/`;
    const theirs = `//${req.headers.host}/`;
    const rewritten = payload.replace(
      /(<OutputValue>)([^<]*)(<\/OutputValue>)/g,
      (_m, open: string, value: string, close: string) => `${open}${value.replaceAll(own, theirs)}${close}`,
    );
    const headers = { ...up.headers, 'content-length': String(Buffer.byteLength(rewritten)) };
    delete headers['transfer-encoding'];
    res.writeHead(up.statusCode ?? 502, up.statusMessage, headers);
    res.end(rewritten);
    return;
  }
  if ((op.service === 'iam' || op.service === 'sts') && up.statusCode === 200) {
    const payload = await readAll(up);
    learnKeys(payload.toString('utf8'), ctx.keys);
    passThrough(res, up, payload);
    return;
  }
  if (op.bucket && op.key && up.statusCode === 404) {
    const payload = await readAll(up);
    if (
      (method === 'HEAD' || /<Code>NoSuchKey<\/Code>/.test(payload.toString('utf8'))) &&
      !(await mayList(op, req, ctx))
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
 * may list the bucket: a ListObjectsV2 for the key's prefix that returns no keys. An emulator
 * that verifies signatures (ministack under AUTH) needs the caller's secret for that: the
 * proxy knows it when the key was created through it. Otherwise it sends the caller's
 * credential unsigned, and only a plain AccessDenied counts as "may not list".
 */
async function mayList(op: Operation, req: IncomingMessage, ctx: Context): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://proxy.invalid');
  const q = url.searchParams;
  const credential =
    /Credential=([^,\s]+)/.exec(req.headers.authorization ?? '')?.[1] ?? q.get('X-Amz-Credential') ?? '';
  const [accessKeyId, , region] = credential.split('/');
  const known = accessKeyId ? ctx.keys.get(accessKeyId) : undefined;
  if (accessKeyId && known) {
    const s3 = new S3Client({
      endpoint: ctx.target.toString(),
      region: region || 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId, ...known },
      maxAttempts: 1,
    });
    s3.middlewareStack.add(
      (next) => (args) => {
        (args.request as { headers: Record<string, string> }).headers['x-forwarded-proto'] = 'https';
        return next(args);
      },
      { step: 'build' },
    );
    try {
      await s3.send(new ListObjectsV2Command({ Bucket: op.bucket, Prefix: op.key, MaxKeys: 0 }));
      return true;
    } catch (error) {
      return (error as { name?: string }).name !== 'AccessDenied';
    } finally {
      s3.destroy();
    }
  }
  const headers: OutgoingHttpHeaders = {
    host: req.headers.host,
    'x-forwarded-proto': 'https',
    'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
  };
  if (req.headers.authorization) {
    headers.authorization = req.headers.authorization;
    headers['x-amz-date'] = req.headers['x-amz-date'];
    if (req.headers['x-amz-security-token']) headers['x-amz-security-token'] = req.headers['x-amz-security-token'];
  } else if (credential) {
    // A presigned GET: the same credential, in a header, names the same caller.
    headers.authorization = `AWS4-HMAC-SHA256 Credential=${credential}, SignedHeaders=host, Signature=${q.get('X-Amz-Signature') ?? ''}`;
    headers['x-amz-date'] = q.get('X-Amz-Date') ?? '';
    const token = q.get('X-Amz-Security-Token');
    if (token) headers['x-amz-security-token'] = token;
  }
  const list = `/${op.bucket}?list-type=2&max-keys=0&prefix=${encodeURIComponent(op.key ?? '')}`;
  const up = await forward(ctx.target, ctx.agent, 'GET', list, headers);
  const answer = (await readAll(up)).toString('utf8');
  return !(up.statusCode === 403 && /<Code>AccessDenied<\/Code>/.test(answer));
}
