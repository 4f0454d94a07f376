import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Failures the proxy can inject into calls to the emulator, as AWS answers when it fails:
 *   internal     HTTP 500 (DynamoDB InternalServerError, SNS InternalError, SQS InternalFailure,
 *                S3 InternalError)
 *   unavailable  HTTP 503 ServiceUnavailable
 *   throttling   DynamoDB 400 ThrottlingException or ProvisionedThroughputExceededException (in
 *                turn), SNS 429 Throttled, SQS 403 RequestThrottled, S3 503 SlowDown
 *   reset        the connection is destroyed without an answer
 *   latency      the call is forwarded `latencyMs` late and succeeds
 */
export const FAULT_KINDS = ['internal', 'unavailable', 'throttling', 'reset', 'latency'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
/**
 * `before`: the call never reaches the emulator (nothing happened). `after`: the emulator did
 * the work and the answer is lost, the case that tests idempotency (a retry repeats a call
 * that took effect).
 */
export type FaultWhen = 'before' | 'after';
export type FaultService = 'dynamodb' | 'sns' | 'sqs' | 's3';
export const FAULT_SERVICES: FaultService[] = ['dynamodb', 'sns', 'sqs', 's3'];

export interface FaultPlan {
  /** Fraction of requests to the named services that fail, 0-1. */
  rate: number;
  kinds?: FaultKind[];
  services?: FaultService[];
  /** Fraction of faults injected after the emulator did the work (default 0.5). */
  afterShare?: number;
  /** Added delay of a `latency` fault (default 500 ms). */
  latencyMs?: number;
  /** Seed of the pseudo-random choice, so that a run can be repeated. */
  seed?: number;
}

export interface Fault {
  kind: FaultKind;
  when: FaultWhen;
  /** Which of a kind's answers, where a service has two (DynamoDB's throttling errors). */
  variant: number;
}

export interface ServiceCounts {
  /** Requests seen, first attempts and retries. */
  requests: number;
  /** Requests the SDK marked as a retry (`amz-sdk-request: attempt=N`, N > 1). */
  retries: number;
  /** Faults injected, by `kind:when`. */
  injected: Record<string, number>;
}

export interface FaultReport {
  plan?: FaultPlan;
  services: Record<string, ServiceCounts>;
}

/** The control path on the proxy: GET the report, PUT a plan (counters restart), DELETE to stop. */
export const FAULTS_PATH = '/__faults';
/** POST: the emulator behind the proxy restarts, keeping its state (where the harness can). */
export const RESTART_PATH = '/__restart';

/** Small deterministic generator (mulberry32). */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The SDK's retry marker: `amz-sdk-request: attempt=2; max=3`. */
export function attemptOf(headers: IncomingHttpHeaders): number {
  const m = /attempt=(\d+)/.exec(String(headers['amz-sdk-request'] ?? ''));
  return m ? Number(m[1]) : 1;
}

export class Faults {
  private plan: FaultPlan | undefined;
  private random: () => number = Math.random;
  private counts = new Map<string, ServiceCounts>();

  configure(plan: FaultPlan | undefined): void {
    if (plan && !(plan.rate >= 0 && plan.rate <= 1)) throw new Error(`fault rate must be within 0-1: ${plan.rate}`);
    for (const k of plan?.kinds ?? []) if (!FAULT_KINDS.includes(k)) throw new Error(`unknown fault kind ${k}`);
    this.plan = plan && plan.rate > 0 ? plan : undefined;
    this.random = generator(plan?.seed ?? Date.now());
    this.counts.clear();
  }

  get latencyMs(): number {
    return this.plan?.latencyMs ?? 500;
  }

  /** Counts the request and decides whether it fails, and how. Off (no plan): counts nothing. */
  decide(service: string, headers: IncomingHttpHeaders): Fault | undefined {
    const plan = this.plan;
    if (!plan || !(plan.services ?? FAULT_SERVICES).includes(service as FaultService)) return undefined;
    const c = this.countsOf(service);
    c.requests += 1;
    if (attemptOf(headers) > 1) c.retries += 1;
    if (this.random() >= plan.rate) return undefined;
    const kinds = plan.kinds?.length ? plan.kinds : FAULT_KINDS;
    const kind = kinds[Math.floor(this.random() * kinds.length)] as FaultKind;
    // Latency delays the call before it is forwarded: it then succeeds.
    const when: FaultWhen = kind !== 'latency' && this.random() < (plan.afterShare ?? 0.5) ? 'after' : 'before';
    const key = `${kind}:${when}`;
    c.injected[key] = (c.injected[key] ?? 0) + 1;
    return { kind, when, variant: this.random() < 0.5 ? 0 : 1 };
  }

  report(): FaultReport {
    return { plan: this.plan, services: Object.fromEntries(this.counts) };
  }

  private countsOf(service: string): ServiceCounts {
    let c = this.counts.get(service);
    if (!c) {
      c = { requests: 0, retries: 0, injected: {} };
      this.counts.set(service, c);
    }
    return c;
  }
}

export interface ErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * The error a service answers, in its protocol's shape: DynamoDB and SQS speak JSON 1.0
 * (`__type` and `message`; SQS adds `x-amzn-query-error` for its query-compatible codes),
 * SNS the query protocol's XML ErrorResponse, S3 its REST XML Error. See
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html,
 * https://docs.aws.amazon.com/sns/latest/api/API_Publish.html (Errors) and
 * https://docs.aws.amazon.com/sns/latest/api/CommonErrors.html.
 */
export function errorAnswer(
  service: string,
  kind: 'internal' | 'unavailable' | 'throttling',
  variant = 0,
  method = 'POST',
): ErrorAnswer {
  const requestId = randomUUID();
  if (service === 's3') {
    // S3's REST XML <Error> (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html);
    // a HEAD answer has no body, the SDK reads its status alone.
    const [status, code, message] = {
      internal: [500, 'InternalError', 'We encountered an internal error. Please try again.'],
      unavailable: [503, 'ServiceUnavailable', 'Service is unable to handle request.'],
      throttling: [503, 'SlowDown', 'Please reduce your request rate.'],
    }[kind] as [number, string, string];
    const id = requestId.replace(/-/g, '').slice(0, 16).toUpperCase();
    return {
      status,
      headers: { 'content-type': 'application/xml', 'x-amz-request-id': id },
      body:
        method === 'HEAD'
          ? ''
          : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>` +
            `<RequestId>${id}</RequestId></Error>`,
    };
  }
  if (service === 'sns') {
    const [status, type, code, message] = {
      internal: [500, 'Receiver', 'InternalError', 'Indicates an internal service error.'],
      unavailable: [
        503,
        'Receiver',
        'ServiceUnavailable',
        'The request has failed due to a temporary failure of the server.',
      ],
      throttling: [429, 'Sender', 'Throttled', 'Rate exceeded'],
    }[kind] as [number, string, string, string];
    return {
      status,
      headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
      body:
        `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>${type}</Type>` +
        `<Code>${code}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    };
  }
  const headers: Record<string, string> = {
    'content-type': 'application/x-amz-json-1.0',
    'x-amzn-requestid': requestId,
  };
  const json = (status: number, type: string, message: string) => ({
    status,
    headers,
    body: JSON.stringify({ __type: type, message }),
  });
  if (service === 'sqs') {
    // SQS's JSON protocol keeps its query error codes in x-amzn-query-error (RequestThrottled is 403 there).
    const [status, code, message] = {
      internal: [500, 'InternalFailure', 'The request processing has failed because of an unknown error.'],
      unavailable: [503, 'ServiceUnavailable', 'The request has failed due to a temporary failure of the server.'],
      throttling: [403, 'RequestThrottled', 'Request is throttled.'],
    }[kind] as [number, string, string];
    headers['x-amzn-query-error'] = `${code};${status < 500 ? 'Sender' : 'Receiver'}`;
    return json(status, `com.amazonaws.sqs#${code}`, message);
  }
  const ns = 'com.amazonaws.dynamodb.v20120810';
  if (kind === 'internal') return json(500, `${ns}#InternalServerError`, 'Internal server error');
  if (kind === 'unavailable') {
    return json(503, 'com.amazon.coral.availability#ServiceUnavailableException', 'Service unavailable');
  }
  return variant === 0
    ? json(400, 'com.amazon.coral.availability#ThrottlingException', 'Rate of requests exceeds the allowed throughput.')
    : json(
        400,
        `${ns}#ProvisionedThroughputExceededException`,
        'The level of configured provisioned throughput for the table was exceeded.',
      );
}

/** Sets the proxy's fault plan (undefined: no faults). Counters restart. */
export async function setFaults(endpoint: string, plan: FaultPlan | undefined): Promise<void> {
  const res = await fetch(new URL(FAULTS_PATH, endpoint), {
    method: plan ? 'PUT' : 'DELETE',
    body: plan ? JSON.stringify(plan) : undefined,
  });
  if (!res.ok) throw new Error(`proxy refused the fault plan: ${res.status} ${await res.text()}`);
}

/** What the proxy injected and saw since the plan was set. */
export async function readFaults(endpoint: string): Promise<FaultReport> {
  const res = await fetch(new URL(FAULTS_PATH, endpoint));
  if (!res.ok) throw new Error(`proxy fault report: ${res.status}`);
  return (await res.json()) as FaultReport;
}

/**
 * Restarts the emulator behind the proxy at `endpoint` as a host's restart would, its state kept
 * (ministack's process mode with MINISTACK_PERSIST_STATE=1); resolves with the time it took.
 */
export async function restartEmulator(endpoint: string): Promise<number> {
  const res = await fetch(new URL(RESTART_PATH, endpoint), { method: 'POST' });
  const body = (await res.json()) as { restartedInMs?: number; message?: string };
  if (!res.ok || body.restartedInMs === undefined) throw new Error(`restart refused: ${res.status} ${body.message}`);
  return body.restartedInMs;
}
