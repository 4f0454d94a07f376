import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { expect, it } from 'vitest';
import { restartEmulator } from './faults.ts';
import { emulator, uniqueName } from './testing.ts';

// What a restart of the emulator keeps (ministack 1.5.33, process mode, MINISTACK_PERSIST_STATE=1,
// which the reliability project sets): measured, a graceful restart keeps queues with their
// messages, in flight ones too, tables, functions and their event source mappings, topics and
// subscriptions, and S3 objects. A SIGKILL keeps only S3 (ministack writes the rest at shutdown):
// AWS loses none of it, so the restart scenarios restart gracefully only.
const info = emulator();
const restartable = info.restartable ? it : it.skip;

restartable(
  `keeps a queue's messages, in flight too, and S3 objects across a restart${info.restartable ? '' : ` [skipped: backend ${info.backend} cannot be restarted with its state]`}`,
  async () => {
    const sqs = new SQSClient({});
    const s3 = new S3Client({});
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: uniqueName('restart'), Attributes: { VisibilityTimeout: '60' } }),
    );
    for (const body of ['a', 'b', 'c']) await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body }));
    const inFlight = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1 }));
    expect(inFlight.Messages).toHaveLength(1);
    const Bucket = uniqueName('restart');
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'kept.txt', Body: 'kept' }));

    const ms = await restartEmulator(info.endpoint);
    console.log(`[emulator] restarted with its state in ${ms} ms`);

    const attrs = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(attrs.Attributes).toEqual({ ApproximateNumberOfMessages: '2', ApproximateNumberOfMessagesNotVisible: '1' });
    const kept = await s3.send(new GetObjectCommand({ Bucket, Key: 'kept.txt' }));
    expect(await kept.Body?.transformToString()).toBe('kept');
  },
);
