// SPDX-License-Identifier: MIT-0
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { keyProblem, ORDER_ID, orderIdFor, readOrderRequest, toOrder } from './intake.ts';
import type { Order } from './order.ts';
import { orderState, type Records } from './state.ts';

export interface Claim {
  orderId: string;
  requestHash: string;
  createdAt: string;
  /** Epoch seconds after which the table's TTL may drop the item. */
  expiresAt: number;
}

/** What the API needs from AWS (see aws.ts): its own table, the processor's queue and tables. */
export interface Backend {
  /** Records the key's order unless it exists; otherwise returns the existing record. */
  claim(
    claim: Claim,
  ): Promise<{ created: true } | { created: false; existing: Pick<Claim, 'requestHash' | 'createdAt'> }>;
  /** Removes a claim whose order never reached the queue. */
  release(orderId: string): Promise<void>;
  enqueue(order: Order): Promise<void>;
  records(orderId: string): Promise<Records>;
}

export interface AppOptions {
  backend: Backend;
  bodyLimit: number;
  retryAfterSeconds: number;
  requestTtlDays: number;
  logger?: FastifyServerOptions['logger'];
  now?: () => Date;
}

/** The ALB's trace header, else a caller's request id, else a new one: every log line carries it. */
function requestId(headers: Record<string, string | string[] | undefined>): string {
  const pick = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const id = pick(headers['x-amzn-trace-id']) ?? pick(headers['x-request-id']);
  return id && id.length <= 200 ? id : randomUUID();
}

export function buildApp(opts: AppOptions): FastifyInstance {
  const now = opts.now ?? (() => new Date());
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: opts.bodyLimit,
    genReqId: (req) => requestId(req.headers),
    // Longer than the ALB's 60 s idle timeout: the load balancer, not the task, closes idle
    // connections, so it never sends a request on a socket the task is closing (a 502).
    keepAliveTimeout: 65_000,
    // While closing, requests on kept-alive connections get 503 and a closed connection.
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  const { backend } = opts;

  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });

  const unavailable = (reply: import('fastify').FastifyReply, message: string) =>
    reply
      .code(503)
      .header('retry-after', String(opts.retryAfterSeconds))
      .send({ error: 'ServiceUnavailable', message });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const status = err.statusCode ?? 500;
    if (status === 413) {
      return reply
        .code(413)
        .send({ error: 'PayloadTooLarge', message: `bodies are limited to ${opts.bodyLimit} bytes` });
    }
    if (status >= 400 && status < 500) {
      return reply.code(status).send({ error: 'BadRequest', reasons: [err.message] });
    }
    req.log.error({ err }, 'request failed');
    return reply.code(500).send({ error: 'InternalError' });
  });

  // The load balancer's and Docker's probes: answered, not logged.
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }));

  app.post('/orders', async (req, reply) => {
    const key = req.headers['idempotency-key'];
    const problem = keyProblem(key);
    const intake = readOrderRequest(req.body);
    if (problem || !intake.ok) {
      const reasons = [...(problem ? [problem] : []), ...(intake.ok ? [] : intake.reasons)];
      return reply.code(400).send({ error: 'InvalidOrder', reasons });
    }
    const orderId = orderIdFor(intake.request.customer.id, (key as string | undefined) ?? randomUUID());
    const created = now();
    let createdAt = created.toISOString();
    let claimed: Awaited<ReturnType<Backend['claim']>>;
    try {
      claimed = await backend.claim({
        orderId,
        requestHash: intake.requestHash,
        createdAt,
        expiresAt: Math.floor(created.getTime() / 1000) + opts.requestTtlDays * 86_400,
      });
    } catch (err) {
      req.log.error({ err, orderId }, 'idempotency record not written');
      return unavailable(reply, 'orders cannot be taken right now; retry with the same Idempotency-Key');
    }
    if (!claimed.created) {
      if (claimed.existing.requestHash !== intake.requestHash) {
        return reply.code(422).send({
          error: 'IdempotencyKeyReused',
          reasons: ['Idempotency-Key was used for another order by this customer'],
        });
      }
      // The same request again: the same order id and time, so the same message. It is sent
      // again because the first attempt may have failed after its record was written; the
      // processor stores an order id and content once, and FIFO deduplicates on the id.
      createdAt = claimed.existing.createdAt;
    }
    const order = toOrder(intake.request, orderId, createdAt);
    try {
      await backend.enqueue(order);
    } catch (err) {
      req.log.error({ err, orderId }, 'order not queued');
      // Nothing half-written: a new claim without its message would show "queued" forever.
      if (claimed.created) {
        await backend.release(orderId).catch((e) => req.log.error({ err: e, orderId }, 'claim not released'));
      }
      return unavailable(reply, 'the order queue is unavailable; retry with the same Idempotency-Key');
    }
    req.log.info({ orderId, replayed: !claimed.created }, 'order queued');
    if (!claimed.created) reply.header('idempotent-replayed', 'true');
    return reply
      .code(202)
      .header('location', `/orders/${orderId}`)
      .send({ orderId, state: 'queued', statusUrl: `/orders/${orderId}` });
  });

  app.get<{ Params: { id: string } }>('/orders/:id', async (req, reply) => {
    const { id } = req.params;
    if (!ORDER_ID.test(id)) return reply.code(404).send({ error: 'NotFound' });
    let records: Records;
    try {
      records = await backend.records(id);
    } catch (err) {
      req.log.error({ err, orderId: id }, 'order state not read');
      return unavailable(reply, 'order states cannot be read right now');
    }
    const state = orderState(id, records);
    if (!state) return reply.code(404).send({ error: 'NotFound' });
    return reply.header('cache-control', 'no-store').send(state);
  });

  return app;
}
