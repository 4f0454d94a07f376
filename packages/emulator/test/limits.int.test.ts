import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IAMClient } from '@aws-sdk/client-iam';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  CreateStateMachineCommand,
  DeleteStateMachineCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { CreateQueueCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { bundleLambda } from '@samples/build';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deleteFunction, deployFunction, ensureRole } from '../src/deploy.ts';
import { LIMITS } from '../src/limits.ts';
import { describeWith, emulator, uniqueName } from '../src/testing.ts';

/** A JSON document (a string) of exactly `bytes` bytes. */
const jsonOf = (bytes: number) => JSON.stringify('x'.repeat(bytes - 2));

describeWith(['lambda'], 'Lambda payload limits, applied by the harness proxy', () => {
  const name = uniqueName('size');
  let lambda: LambdaClient;

  beforeAll(async () => {
    emulator();
    lambda = new LambdaClient({});
    const bundle = await bundleLambda({
      entry: fileURLToPath(new URL('./fixtures/size-handler.ts', import.meta.url)),
      outdir: join(tmpdir(), name),
    });
    // It invokes itself in one test: its role allows that and nothing else, where IAM is enforced.
    const statements = [
      {
        Effect: 'Allow' as const,
        Action: ['lambda:InvokeFunction'],
        Resource: [`arn:aws:lambda:*:*:function:${name}`],
      },
    ];
    await deployFunction({ name, zip: bundle.zip, memoryMb: 1024, statements });
  });
  afterAll(() => deleteFunction(name));

  const invoke = (payload: string, type?: 'Event') =>
    lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(payload), InvocationType: type }));

  it('a synchronous request of exactly 6 MB runs; one byte more is RequestEntityTooLargeException', async () => {
    const limit = LIMITS.lambdaInvokeSync.bytes;
    const ok = await invoke(jsonOf(limit));
    expect(ok.FunctionError).toBeUndefined();
    expect(JSON.parse(Buffer.from(ok.Payload ?? []).toString())).toEqual({ received: limit });
    await expect(invoke(jsonOf(limit + 1))).rejects.toMatchObject({
      name: 'RequestEntityTooLargeException',
      $metadata: { httpStatusCode: 413 },
      message: `${limit + 1} byte payload is too large for the RequestResponse invocation type (limit ${limit} bytes)`,
    });
  });

  it('an asynchronous request of exactly 1 MB is accepted; one byte more is RequestEntityTooLargeException', async () => {
    const limit = LIMITS.lambdaInvokeAsync.bytes;
    const ok = await invoke(jsonOf(limit), 'Event');
    expect(ok.StatusCode).toBe(202);
    await expect(invoke(jsonOf(limit + 1), 'Event')).rejects.toMatchObject({
      name: 'RequestEntityTooLargeException',
      $metadata: { httpStatusCode: 413 },
    });
  });

  it('a response of exactly the limit comes back; one byte more is the function error Function.ResponseSizeTooLarge', async () => {
    const limit = LIMITS.lambdaResponseSync.bytes;
    const ok = await invoke(JSON.stringify({ respond: limit }));
    expect(ok.FunctionError).toBeUndefined();
    expect(ok.Payload?.length).toBe(limit);
    const over = await invoke(JSON.stringify({ respond: limit + 1 }));
    expect(over.StatusCode).toBe(200);
    expect(over.FunctionError).toBe('Unhandled');
    expect(JSON.parse(Buffer.from(over.Payload ?? []).toString())).toEqual({
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: `Response payload size exceeded maximum allowed payload size (${limit} bytes).`,
    });
  });

  const proxied = emulator().functionsThroughProxy;
  const title = "a function's own SDK calls go through the proxy too: its 6 MB + 1 byte Invoke is refused";
  (proxied ? it : it.skip)(
    `${title}${proxied ? '' : ` [skipped: backend ${emulator().backend} hands its functions its own address]`}`,
    async () => {
      const call = (bytes: number) => invoke(JSON.stringify({ callEcho: name, callBytes: bytes }));
      const over = await call(LIMITS.lambdaInvokeSync.bytes + 1);
      expect(JSON.parse(Buffer.from(over.Payload ?? []).toString())).toEqual({
        ok: false,
        name: 'RequestEntityTooLargeException',
      });
      const ok = await call(1024);
      expect(JSON.parse(Buffer.from(ok.Payload ?? []).toString())).toMatchObject({ ok: true });
    },
  );
});

describeWith(['sqs'], 'SQS message limits, applied by the harness proxy', () => {
  let sqs: SQSClient;
  let queueUrl: string;

  beforeAll(async () => {
    const info = emulator();
    sqs = new SQSClient({});
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('limits') }))).QueueUrl ?? '';
    // SDK v3 sends to the QueueUrl's host: it must be the proxy's, or SQS calls would bypass it.
    expect(new URL(queueUrl).host).toBe(new URL(info.endpoint).host);
  });

  const send = (body: number, attribute: string) =>
    sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: 'm'.repeat(body),
        MessageAttributes: { k: { DataType: 'String', StringValue: attribute } },
      }),
    );

  it('a message of exactly 1 MiB, attributes included, is sent; one byte more is InvalidParameterValue', async () => {
    // Attribute name 'k' and type 'String' count too: 7 bytes besides the value.
    const body = LIMITS.sqsMessage.bytes - 8;
    expect((await send(body, 'v')).MessageId).toMatch(/^[0-9a-f-]{36}$/);
    await expect(send(body, 'vv')).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('a batch of exactly 1 MiB in all is sent; one byte more is BatchRequestTooLong', async () => {
    const batch = (first: number) =>
      sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: [
            { Id: 'a', MessageBody: 'a'.repeat(first) },
            { Id: 'b', MessageBody: 'b'.repeat(1024) },
          ],
        }),
      );
    expect((await batch(LIMITS.sqsMessage.bytes - 1024)).Successful).toHaveLength(2);
    await expect(batch(LIMITS.sqsMessage.bytes - 1023)).rejects.toMatchObject({ name: 'BatchRequestTooLong' });
  });
});

describeWith(['stepfunctions'], 'Step Functions payload limits, applied by the harness proxy', () => {
  let sfn: SFNClient;
  let arn: string;

  beforeAll(async () => {
    emulator();
    sfn = new SFNClient({});
    const role = await ensureRole(new IAMClient({}), uniqueName('sfn-role'), [], 'states.amazonaws.com');
    const created = await sfn.send(
      new CreateStateMachineCommand({
        name: uniqueName('pass'),
        roleArn: role,
        definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } }),
      }),
    );
    arn = created.stateMachineArn ?? '';
  });
  afterAll(async () => {
    if (arn) await sfn.send(new DeleteStateMachineCommand({ stateMachineArn: arn })).catch(() => undefined);
  });

  it('StartExecution with an input of exactly 256 KiB starts; one byte more is ValidationException', async () => {
    const limit = LIMITS.sfnInput.bytes;
    const ok = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, input: jsonOf(limit) }));
    expect(ok.executionArn).toMatch(/^arn:aws:states:[^:]+:\d{12}:execution:/);
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: arn, input: jsonOf(limit + 1) })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('SendTaskSuccess with an output one byte over 256 KiB is ValidationException before any token lookup', async () => {
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: 'no-such-token', output: jsonOf(LIMITS.sfnInput.bytes + 1) })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });
});
