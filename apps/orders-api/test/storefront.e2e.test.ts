import { spawn, spawnSync } from 'node:child_process';
import { DeleteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeTasksCommand, ECSClient } from '@aws-sdk/client-ecs';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describeWith, emulator, uniqueName } from '@samples/emulator/testing';
import { waitFor } from '@samples/emulator/waiters';
import { deployStack, drain, noticeOrderIds, type Stack, scanItems } from '@samples/order-processor/stack';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ApiDeployment, deployApi } from './api.ts';

// The storefront flow of the source material end to end: the order processor's own CDK stack
// deployed into the emulator (queue, DLQ, function, tables, topic), the API image running as an
// ECS service of two tasks behind the emulator's Application Load Balancer, every request
// through the load balancer.
describeWith(['cloudformation', 'ecs', 'sqs', 'dynamodb', 'sns', 'lambda'], 'orders API: storefront flow', () => {
  let stack: Stack;
  let api: ApiDeployment;
  const seen: string[] = [];

  beforeAll(async () => {
    const info = emulator();
    const name = uniqueName('storefront');
    stack = await deployStack(name);
    console.info(
      `[emulator] ${info.description}: the API runs as an ECS service behind the ALB, both created through the ` +
        'ECS and ELBv2 APIs (its stack needs AWS::ApplicationAutoScaling::* and AWS::EC2::SecurityGroupIngress, ' +
        "which the emulator's CloudFormation lacks); the order processor is its deployed CDK stack",
    );
    api = await deployApi(info, name, {
      queueUrl: stack.queueUrl,
      ordersTable: stack.ordersTable,
      rejectionsTable: stack.rejectionsTable,
    });
  });
  afterAll(async () => {
    await api?.remove();
    await stack?.remove();
  });

  const customer = { id: 'shopper-1', email: 'shopper1@example.com' };
  const cart = (n = 1) => ({ customer, currency: 'EUR', items: [{ sku: 'SKU-TEE', quantity: n, unitPrice: 1999 }] });

  const post = (body: unknown, key?: string) =>
    fetch(`${api.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const get = async (id: string) => {
    const res = await fetch(`${api.url}/orders/${id}`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown>, text: '' };
  };
  /** Order ids of every OrderAccepted notice seen so far (the subscription is drained as it is read). */
  const notices = async () => {
    seen.push(...noticeOrderIds(await drain(stack.sqs, stack.noticesUrl)));
    return seen;
  };
  const state = (id: string, wanted: string) =>
    waitFor(
      `order ${id} ${wanted}`,
      async () => {
        const r = await get(id);
        return r.body.state === wanted ? r.body : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );

  it('POST -> the processor stores it -> an SNS notice -> GET shows it accepted, without customer data', async () => {
    const res = await post(cart(2), 'cart-1');
    expect(res.status, `${await res.clone().text()}\n${api.logs()}`).toBe(202);
    const body = (await res.json()) as { orderId: string; statusUrl: string };
    expect(body.statusUrl).toBe(`/orders/${body.orderId}`);
    await waitFor(
      `the notice of ${body.orderId}`,
      async () => ((await notices()).includes(body.orderId) ? true : undefined),
      {
        timeoutMs: 90_000,
        intervalMs: 500,
      },
    );
    const accepted = await state(body.orderId, 'accepted');
    expect(accepted).toMatchObject({ orderId: body.orderId, state: 'accepted', total: 3998, currency: 'EUR' });
    expect(JSON.stringify(accepted)).not.toMatch(/shopper|@example\.com/);
  });

  it('takes one order for a repeated Idempotency-Key', async () => {
    const first = await post(cart(3), 'cart-2');
    const again = await post(cart(3), 'cart-2');
    expect([first.status, again.status]).toEqual([202, 202]);
    const [a, b] = [(await first.json()) as { orderId: string }, (await again.json()) as { orderId: string }];
    expect(b.orderId).toBe(a.orderId);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    await state(a.orderId, 'accepted');
    // Both sends reached the processor; it stored and announced the order once.
    await new Promise((r) => setTimeout(r, 3000));
    expect((await notices()).filter((id) => id === a.orderId)).toHaveLength(1);
    expect((await scanItems(stack.ddb, stack.ordersTable)).filter((o) => o.orderId === a.orderId)).toHaveLength(1);
    const reused = await post(cart(4), 'cart-2');
    expect(reused.status).toBe(422);
  });

  it('shows a poison order rejected with the reason the processor gave', async () => {
    // Valid in shape (what the API checks), but its total overflows (what the processor checks).
    const poison = {
      customer,
      currency: 'EUR',
      items: [{ sku: 'SKU-BIG', quantity: 10_000, unitPrice: Number.MAX_SAFE_INTEGER }],
    };
    const res = await post(poison, 'cart-poison');
    expect(res.status).toBe(202);
    const { orderId } = (await res.json()) as { orderId: string };
    const rejected = await state(orderId, 'rejected');
    expect(rejected.reason).toBe(`order ${orderId} total overflows`);
  });

  it("runs under the task role's statements only: what the API does not call is denied", async () => {
    // The flow above ran with this identity; here is what it may not do.
    const credentials = api.taskCredentials;
    const sqs = new SQSClient({ credentials });
    const ddb = new DynamoDBClient({ credentials });
    await expect(sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.queueUrl }))).rejects.toMatchObject({
      name: expect.stringMatching(/AccessDenied/),
    });
    await expect(
      ddb.send(new DeleteItemCommand({ TableName: stack.ordersTable, Key: { orderId: { S: 'any' } } })),
    ).rejects.toMatchObject({ name: expect.stringMatching(/AccessDenied/) });
  });

  it('answers bad input with 400 and its reasons, an oversize body with 413', async () => {
    const bad = await post({ ...cart(), currency: 'EURO' }, 'cart-bad');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { reasons: string[] }).reasons).toEqual([expect.stringMatching(/^currency: /)]);
    const big = await post({ ...cart(), padding: 'x'.repeat(100_000) }, 'cart-big');
    expect(big.status).toBe(413);
  });

  it('loses no order answered 202 when a task gets SIGTERM during requests, and the task drains and exits', async () => {
    const [victim] = await api.tasks();
    expect(victim).toBeDefined();
    const accepted: string[] = [];
    const other: number[] = [];
    let i = 0;
    const worker = async (until: number) => {
      while (Date.now() < until) {
        const n = i++;
        try {
          const res = await post(cart(1 + (n % 5)), `drain-${n}`);
          if (res.status === 202) accepted.push(((await res.json()) as { orderId: string }).orderId);
          else other.push(res.status);
        } catch {
          other.push(0);
        }
      }
    };
    // The stopped task's own log, followed live (the emulator removes the container once stopped).
    const ecs = new ECSClient({});
    const described = await ecs.send(new DescribeTasksCommand({ cluster: api.cluster, tasks: [victim as string] }));
    const containerId = described.tasks?.[0]?.containers?.[0]?.runtimeId as string;
    let victimLog = '';
    const follow = spawn('docker', ['logs', '-f', containerId]);
    follow.stdout.on('data', (d) => {
      victimLog += d;
    });
    const until = Date.now() + 6000;
    const load = Promise.all(Array.from({ length: 6 }, () => worker(until)));
    await new Promise((r) => setTimeout(r, 1500));
    // SIGTERM while the load balancer still sends it requests: harsher than ECS's own stop
    // (which deregisters the target and waits the deregistration delay first), as a scale-in
    // with connections still open or a zero deregistration delay would be.
    spawnSync('docker', ['kill', '--signal=SIGTERM', containerId]);
    await load;
    await waitFor('the signalled task to exit', async () => (follow.exitCode === null ? undefined : true), {
      timeoutMs: 30_000,
    });
    const lines = victimLog
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; res?: { statusCode: number } });
    const signalled = lines.findIndex((l) => l.msg.startsWith('shutting down'));
    const answeredAfter = lines.slice(signalled).filter((l) => l.msg === 'request completed').length;
    console.info(
      `[orders-api] ${accepted.length} orders answered 202 while task ${victim?.split('/').pop()} stopped; ` +
        `${other.length} other answers (${[...new Set(other)].join(', ') || 'none'}), which a client retries; ` +
        `the signalled task completed ${answeredAfter} request(s) after SIGTERM, then: ${lines.at(-1)?.msg}`,
    );
    // It received SIGTERM and exited on its own, after draining, not by SIGKILL.
    expect(signalled, victimLog).toBeGreaterThanOrEqual(0);
    expect(lines.at(-1)?.msg).toBe('drained; exiting');
    expect(accepted.length).toBeGreaterThan(0);
    await waitFor(
      `all ${accepted.length} orders answered 202 stored`,
      async () => {
        const stored = new Set((await scanItems(stack.ddb, stack.ordersTable)).map((o) => o.orderId as string));
        const missing = accepted.filter((id) => !stored.has(id));
        if (missing.length) throw new Error(`${missing.length} not stored yet`);
        return true;
      },
      { timeoutMs: 120_000, intervalMs: 1000 },
    );
  });
});
