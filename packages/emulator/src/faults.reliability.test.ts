import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFaults, setFaults } from './faults.ts';
import { emulator, uniqueName } from './testing.ts';

type SdkError = Error & { code?: string; $metadata?: { attempts?: number; httpStatusCode?: number } };
const caught = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as SdkError,
  );

// The proxy's injected failures against the real emulator, read by the SDK as AWS's own: the
// SDK retries them with its default settings (three attempts), and an answer lost after the
// call leaves the call's effect behind. DynamoDB's shapes are read by the order processor's
// reliability test (apps/order-processor/test), whose package has the DynamoDB client.
describe('fault injection at the proxy', () => {
  let endpoint: string;
  let queueUrl: string;
  const sqs = new SQSClient({});

  beforeAll(async () => {
    endpoint = emulator().endpoint;
    ({ QueueUrl: queueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('faults') })));
  });

  afterEach(async () => {
    await setFaults(endpoint, undefined);
  });

  const send = (body: string) => sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
  const received = async () => {
    const r = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    return (r.Messages ?? []).map((m) => m.Body);
  };

  it.each([
    ['internal', 'InternalFailure', 500],
    ['unavailable', 'ServiceUnavailable', 503],
    ['throttling', 'RequestThrottled', 403],
  ] as const)(
    'fails SQS calls with %s before the call: the SDK retries, nothing is sent',
    async (kind, name, status) => {
      await setFaults(endpoint, { rate: 1, kinds: [kind], services: ['sqs'], afterShare: 0 });
      const error = await caught(send(`before-${kind}`));
      const report = await readFaults(endpoint);
      await setFaults(endpoint, undefined);
      expect(error).toMatchObject({ name, $metadata: { attempts: 3, httpStatusCode: status } });
      expect(report.services.sqs).toEqual({ requests: 3, retries: 2, injected: { [`${kind}:before`]: 3 } });
      expect(await received()).toEqual([]);
    },
  );

  it('loses the answer after the call: the sender sees an error, and its retries sent the message three times', async () => {
    await setFaults(endpoint, { rate: 1, kinds: ['internal'], services: ['sqs'], afterShare: 1 });
    const error = await caught(send('after-internal'));
    await setFaults(endpoint, undefined);
    expect(error).toMatchObject({ name: 'InternalFailure' });
    expect(await received()).toEqual(['after-internal', 'after-internal', 'after-internal']);
  });

  it('resets connections, which the SDK retries as network errors', async () => {
    await setFaults(endpoint, { rate: 1, kinds: ['reset'], services: ['sqs'], afterShare: 0 });
    const error = await caught(send('reset'));
    const report = await readFaults(endpoint);
    await setFaults(endpoint, undefined);
    expect(error?.code ?? error?.name).toMatch(/ECONNRESET|EPIPE/);
    expect(report.services.sqs?.requests).toBe(3);
    expect(await received()).toEqual([]);
  });

  it('answers SNS in its XML error shape, throttling as 429 Throttled', async () => {
    const sns = new SNSClient({});
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: uniqueName('faults') }));
    await setFaults(endpoint, { rate: 1, kinds: ['throttling'], services: ['sns'], afterShare: 0 });
    const throttled = await caught(sns.send(new PublishCommand({ TopicArn, Message: 'x' })));
    await setFaults(endpoint, { rate: 1, kinds: ['internal'], services: ['sns'], afterShare: 0 });
    const internal = await caught(sns.send(new PublishCommand({ TopicArn, Message: 'x' })));
    expect(throttled).toMatchObject({ name: 'ThrottledException', $metadata: { attempts: 3, httpStatusCode: 429 } });
    expect(internal).toMatchObject({ name: 'InternalErrorException', $metadata: { attempts: 3, httpStatusCode: 500 } });
  });

  it.each([
    ['internal', 'InternalError', 500],
    ['unavailable', 'ServiceUnavailable', 503],
    ['throttling', 'SlowDown', 503],
  ] as const)('answers S3 in its XML error shape: %s is %s (%i), retried by the SDK', async (kind, name, status) => {
    const s3 = new S3Client({});
    const Bucket = uniqueName('faults');
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'a', Body: 'x' }));
    await setFaults(endpoint, { rate: 1, kinds: [kind], services: ['s3'], afterShare: 0 });
    const get = await caught(s3.send(new GetObjectCommand({ Bucket, Key: 'a' })));
    const put = await caught(s3.send(new PutObjectCommand({ Bucket, Key: 'b', Body: 'y' })));
    const head = await caught(s3.send(new HeadObjectCommand({ Bucket, Key: 'a' })));
    const report = await readFaults(endpoint);
    await setFaults(endpoint, undefined);
    expect(get).toMatchObject({ name, $metadata: { attempts: 3, httpStatusCode: status } });
    expect(put).toMatchObject({ name, $metadata: { attempts: 3, httpStatusCode: status } });
    // A HEAD answer has no body: the SDK has the status alone.
    expect(head).toMatchObject({ $metadata: { attempts: 3, httpStatusCode: status } });
    expect(report.services.s3).toEqual({ requests: 9, retries: 6, injected: { [`${kind}:before`]: 9 } });
    expect(await caught(s3.send(new HeadObjectCommand({ Bucket, Key: 'b' })))).toMatchObject({ name: 'NotFound' });
  });

  it('fails about the requested share of calls, delays others, and the SDK retries most to success', async () => {
    await setFaults(endpoint, {
      rate: 0.3,
      kinds: ['unavailable', 'latency'],
      services: ['sqs'],
      latencyMs: 20,
      afterShare: 0,
      seed: 7,
    });
    const bodies = Array.from({ length: 40 }, (_, i) => `share-${i}`);
    const results = await Promise.all(bodies.map((b) => caught(send(b))));
    const report = await readFaults(endpoint);
    await setFaults(endpoint, undefined);
    const c = report.services.sqs!;
    expect(c.injected['unavailable:before']).toBeGreaterThan(0);
    expect(c.injected['latency:before']).toBeGreaterThan(0);
    expect(c.requests).toBe(40 + c.retries);
    const sent = bodies.filter((_, i) => results[i] === undefined);
    expect(sent.length).toBeGreaterThan(30);
    const got: string[] = [];
    for (let more = await received(); more.length; more = await received()) got.push(...(more as string[]));
    expect(got.sort()).toEqual(sent.sort());
  });

  it('is off until a plan is set: nothing counted, nothing injected', async () => {
    await send('plain');
    expect(await readFaults(endpoint)).toEqual({ services: {} });
    expect(await received()).toContain('plain');
  });
});
