import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { deployLocal, destroyLocal } from '@samples/cdk';
import { describeWith, emulator, uniqueName } from '@samples/emulator/testing';
import { waitFor } from '@samples/emulator/waiters';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeOrder, PACKAGE_DIR, queueDepth, scanOrders, sendAll } from './stack.ts';

// The CDK stack itself, deployed into the emulator with the real CDK CLI (bootstrap, asset
// upload, CloudFormation), then fed orders through its queue.
describeWith(
  ['cloudformation', 'lambda', 'sqs', 'dynamodb', 'sns', 'iam', 's3'],
  'order-processor CDK stack in the emulator',
  () => {
    const stackName = `OrderProcessor-${uniqueName('cdk').replaceAll('-', '')}`.slice(0, 60);
    let outputs: Record<string, string>;
    let opts: Parameters<typeof deployLocal>[0];

    beforeAll(async () => {
      const info = emulator();
      opts = { cwd: PACKAGE_DIR, env: { ...process.env, ...info.env }, stackName };
      outputs = await deployLocal(opts);
    });
    afterAll(async () => {
      if (outputs) await destroyLocal(opts);
    });

    it('creates the queue, tables and topic and names them in its outputs', () => {
      expect(Object.keys(outputs).sort()).toEqual([
        'ConflictsTableName',
        'DeadLetterQueueUrl',
        'OrdersTableName',
        'QueueUrl',
        'TopicArn',
      ]);
    });

    it('stores the orders sent to its queue and deletes them from it', async () => {
      const sqs = new SQSClient({});
      const ddb = new DynamoDBClient({});
      const orders = ['cdk-1', 'cdk-2', 'cdk-3'].map((id) => makeOrder(id));
      await sendAll(sqs, outputs.QueueUrl as string, [...orders.map((o) => ({ body: JSON.stringify(o) }))]);
      const stored = await waitFor(
        'three orders in the stack table',
        async () => {
          const items = await scanOrders(ddb, outputs.OrdersTableName as string);
          return items.length >= 3 ? items : undefined;
        },
        { timeoutMs: 60_000 },
      );
      expect(stored.map((o) => o.orderId).sort()).toEqual(['cdk-1', 'cdk-2', 'cdk-3']);
      await waitFor('the queue to drain', async () =>
        (await queueDepth(sqs, outputs.QueueUrl as string)) === 0 ? true : undefined,
      );
      expect(await queueDepth(sqs, outputs.DeadLetterQueueUrl as string)).toBe(0);
    });
  },
);
