/**
 * pnpm --filter @samples/order-processor bench   (BENCH_ORDERS=N, default 300)
 *
 * 1. Orders/s through the deployed function: the app's CDK stack deployed twice (SQS event source
 *    mapping, batch size 10, maximum concurrency 10), the second stack's function code replaced
 *    by the raw-SDK baseline; each fed the same N orders.
 * 2. Handler time per record in-process against the emulator, batches of 10, same comparison.
 * Prints both figures and the overhead ratios.
 */
import { join } from 'node:path';
import { LambdaClient, UpdateFunctionCodeCommand, waitUntilFunctionUpdatedV2 } from '@aws-sdk/client-lambda';
import { bundleLambda } from '@samples/build';
import { startEmulator } from '@samples/emulator';
import type { Context, SQSEvent } from 'aws-lambda';
import { createHandler } from '../src/handler.ts';
import { deployStack, makeOrder, PACKAGE_DIR, queueDepth, type Stack, scanOrders, sendAll } from '../test/stack.ts';

const N = Number(process.env.BENCH_ORDERS ?? 300);
const emu = await startEmulator();
Object.assign(process.env, emu.env);

async function throughput(stack: Stack, tag: string): Promise<number> {
  const orders = Array.from({ length: N }, (_, i) => ({ body: JSON.stringify(makeOrder(`${tag}-${i}`, i)) }));
  const t0 = performance.now();
  await sendAll(stack.sqs, stack.queueUrl, orders);
  for (;;) {
    const stored = (await scanOrders(stack.ddb, stack.ordersTable)).length;
    if (stored >= N && (await queueDepth(stack.sqs, stack.queueUrl)) === 0) break;
    if (performance.now() - t0 > 180_000) throw new Error(`${tag}: only ${stored}/${N} stored after 180 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return N / ((performance.now() - t0) / 1000);
}

function event(tag: string, from: number): SQSEvent {
  return {
    Records: Array.from({ length: 10 }, (_, i) => ({
      messageId: `${tag}-${from + i}`,
      receiptHandle: 'r',
      body: JSON.stringify(makeOrder(`${tag}-${from + i}`, from + i)),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '0',
        SenderId: 'b',
        ApproximateFirstReceiveTimestamp: '0',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:orders',
      awsRegion: 'us-east-1',
    })),
  };
}

const context = {
  functionName: 'bench',
  awsRequestId: 'b',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

async function perRecord(run: (e: SQSEvent) => Promise<unknown>, tag: string): Promise<number> {
  for (let i = 0; i < 30; i += 10) await run(event(`${tag}-warm`, i));
  const t0 = performance.now();
  for (let i = 0; i < N; i += 10) await run(event(tag, i));
  return (performance.now() - t0) / N;
}

const stamp = Date.now().toString(36);
const lib = await deployStack(`bench-orders-${stamp}`);
const base = await deployStack(`bench-baseline-${stamp}`);
try {
  // The same queue, mapping, tables, role and settings: only the code differs.
  const baseline = await bundleLambda({
    entry: join(PACKAGE_DIR, 'bench', 'baseline-handler.ts'),
    outdir: join(PACKAGE_DIR, 'dist', 'bench-baseline'),
  });
  const lambda = new LambdaClient({});
  await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: base.functionName, ZipFile: baseline.zip }));
  await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 120 }, { FunctionName: base.functionName });
  const libRate = await throughput(lib, 'lib');
  const baseRate = await throughput(base, 'base');
  process.env.ORDERS_TABLE = base.ordersTable;
  process.env.TOPIC_ARN = base.topicArn;
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const { SNSClient } = await import('@aws-sdk/client-sns');
  process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
  const libHandler = createHandler({
    ddb: new DynamoDBClient({}),
    sns: new SNSClient({}),
    ordersTable: lib.ordersTable,
    idempotencyTable: lib.idempotencyTable,
    conflictsTable: lib.conflictsTable,
    topicArn: lib.topicArn,
  });
  const libMs = await perRecord((e) => libHandler(e, context), 'lib-inproc');
  // Imported only now: its clients are built at module load and must see the emulator's environment.
  const { handler: baselineHandler } = await import('./baseline-handler.ts');
  const baseMs = await perRecord((e) => baselineHandler(e), 'base-inproc');
  console.log(`order-processor bench (${emu.backend}, ${N} orders, batch size 10)`);
  console.log(
    `  deployed: powertools ${libRate.toFixed(1)} orders/s, baseline ${baseRate.toFixed(1)} orders/s, ratio ${(baseRate / libRate).toFixed(2)}x`,
  );
  console.log(
    `  handler time per record: powertools ${libMs.toFixed(2)} ms, baseline ${baseMs.toFixed(2)} ms, overhead ratio ${(libMs / baseMs).toFixed(2)}x`,
  );
} finally {
  await lib.remove();
  await base.remove();
  await emu.stop();
}
