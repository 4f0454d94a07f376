import { cfnLint, roleStatements, synthStack, TEST_ENV, testApp } from '@samples/cdk';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { fifoOption, stackProps } from './app.ts';
import { OrderProcessorStack } from './stack.ts';

let template: Template;
let findings: string[];
let fifo: { template: Template; findings: string[] };

beforeAll(async () => {
  const props = await stackProps();
  ({ template, findings } = synthStack(
    (app) => new OrderProcessorStack(app, 'OrderProcessor', { ...props, env: TEST_ENV }),
  ));
  fifo = synthStack(
    (app) => new OrderProcessorStack(app, 'OrderProcessorFifo', { ...props, fifo: true, env: TEST_ENV }),
  );
}, 120_000);

/** The queue's event source mapping with the properties of the function and queue it joins. */
function eventSource() {
  const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'));
  expect(mappings).toHaveLength(1);
  const resources = template.toJSON().Resources;
  const mapping = mappings[0]?.Properties;
  return {
    mapping,
    fn: resources[mapping.FunctionName.Ref].Properties,
    queue: resources[mapping.EventSourceArn['Fn::GetAtt'][0]].Properties,
  };
}

describe('OrderProcessorStack', () => {
  it('passes the cdk-nag AwsSolutions pack', () => {
    expect(findings).toEqual([]);
  });

  it('passes cfn-lint: no error, no warning that is not acknowledged with a reason', () => {
    expect(cfnLint(template.toJSON(), TEST_ENV.region!)).toEqual([]);
  }, 120_000);

  it('reads the queue in batches of 10 with partial batch failures; three receives, then the DLQ', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 1800,
      RedrivePolicy: { maxReceiveCount: 3, deadLetterTargetArn: Match.anyValue() },
      SqsManagedSseEnabled: true,
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Timeout: 300,
      ReservedConcurrentExecutions: 10,
      Environment: {
        Variables: Match.objectLike({
          ORDERS_TABLE: Match.anyValue(),
          IDEMPOTENCY_TABLE: Match.anyValue(),
          CONFLICTS_TABLE: Match.anyValue(),
          TOPIC_ARN: Match.anyValue(),
        }),
      },
    });
  });

  it('never lets the queue hand the function more batches than its reserved concurrency can run', () => {
    // AWS Lambda, "Configuring maximum concurrency for Amazon SQS event sources"
    // (docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html) and the re:Post article
    // "lambda-sqs-scaling": event source mappings do not account for reserved concurrency, so
    // batches beyond it are throttled, return after the visibility timeout with their receive
    // count raised and can reach the DLQ unprocessed; set the mapping's maximum concurrency no
    // higher than the reserved concurrency. ScalingConfig.MaximumConcurrency is 2-1000
    // (API_ScalingConfig.html).
    const { mapping, fn } = eventSource();
    const maximum = mapping.ScalingConfig?.MaximumConcurrency as number | undefined;
    const reserved = fn.ReservedConcurrentExecutions as number;
    expect(maximum).toBeGreaterThanOrEqual(2);
    expect(maximum).toBeLessThanOrEqual(Math.min(reserved, 1000));
  });

  it('keeps each batch invisible for six function timeouts', () => {
    // AWS Lambda, "Creating and configuring an Amazon SQS event source mapping"
    // (docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html): set the source queue's
    // visibility timeout to at least six times the function timeout, so that Lambda can retry a
    // throttled batch before the messages reappear (plus the batching window, 0 here).
    const { mapping, fn, queue } = eventSource();
    const timeout = fn.Timeout as number;
    const batchingWindow = (mapping.MaximumBatchingWindowInSeconds as number | undefined) ?? 0;
    const visibility = queue.VisibilityTimeout as number;
    expect(visibility).toBeGreaterThanOrEqual(6 * timeout + batchingWindow);
  });

  it('keeps orders, conflicts, rejections and idempotency records in on-demand tables, idempotency records expiring', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 4);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'orderId', KeyType: 'HASH' },
        { AttributeName: 'contentHash', KeyType: 'RANGE' },
      ],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: Match.absent(),
    });
    expect(Object.values(template.findResources('AWS::DynamoDB::Table')).map((t) => t.DeletionPolicy)).toEqual([
      'Retain',
      'Retain',
      'Retain',
      'Retain',
    ]);
  });

  it('lets the function call exactly what the handler calls', () => {
    const statements = roleStatements(template, 'ProcessorRole');
    const actions = statements.flatMap((s) => [s.Action].flat()).sort();
    expect(actions).toEqual(
      [
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:PutItem',
        'dynamodb:PutItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:UpdateItem',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'sns:Publish',
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:ReceiveMessage',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
    const on = (table: RegExp) =>
      statements
        .filter((s) => JSON.stringify(s.Resource).match(table))
        .flatMap((s) => [s.Action].flat())
        .sort();
    expect(on(/"OrdersTable/)).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect(on(/"ConflictsTable/)).toEqual(['dynamodb:PutItem']);
    expect(on(/"RejectionsTable/)).toEqual(['dynamodb:PutItem']);
    const conflictsPut = statements.find((s) => JSON.stringify(s.Resource).includes('ConflictsTable'));
    expect(conflictsPut?.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ConflictsTable/), 'Arn'] });
  });

  it('alarms on a parked conflict, counted from its log line', () => {
    // AWS Lambda, "Configuring JSON and plain text log formats"
    // (docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-logformat.html): Lambda does
    // not double-encode logs that are already JSON (Powertools Logger), so a JSON filter pattern
    // sees the logger's own `message` field.
    const filters = Object.values(template.findResources('AWS::Logs::MetricFilter'));
    expect(filters.map((f) => f.Properties.FilterPattern)).toEqual(['{ $.message = "order conflict parked" }']);
    expect(filters[0]?.Properties.MetricTransformations).toEqual([
      expect.objectContaining({ MetricName: 'OrderConflicts', MetricNamespace: 'OrderProcessor', MetricValue: '1' }),
    ]);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'OrderConflicts',
      Namespace: 'OrderProcessor',
      Threshold: 1,
      Statistic: 'Sum',
    });
  });

  it('alarms on dead letters, errors, a backlog and conflicts', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Threshold: 900,
    });
  });

  it('FIFO variant: a FIFO queue whose DLQ is FIFO too, five receives, the same mapping and nag findings', () => {
    expect(fifo.findings).toEqual([]);
    expect(cfnLint(fifo.template.toJSON(), TEST_ENV.region!)).toEqual([]);
    const queues = Object.values(fifo.template.findResources('AWS::SQS::Queue')).map((q) => q.Properties);
    expect(queues).toHaveLength(2);
    // SQS: the dead-letter queue of a FIFO queue must be a FIFO queue (SQS Developer Guide,
    // "Using dead-letter queues in Amazon SQS").
    expect(queues.map((q) => q.FifoQueue)).toEqual([true, true]);
    fifo.template.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      VisibilityTimeout: 1800,
      RedrivePolicy: { maxReceiveCount: 5, deadLetterTargetArn: Match.anyValue() },
    });
    fifo.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 10 },
    });
    expect(fifoOption(testApp({ context: { fifo: 'true' } }))).toBe(true);
    expect(fifoOption(testApp(), {})).toBe(false);
    expect(() => fifoOption(testApp({ context: { fifo: 'yes' } }))).toThrow(/fifo must be true or false/);
  }, 120_000);

  it('names its queues, tables, topic and function in its outputs', () => {
    expect(Object.keys(template.toJSON().Outputs).sort()).toEqual([
      'ConflictsTableName',
      'DeadLetterQueueUrl',
      'IdempotencyTableName',
      'OrdersTableName',
      'ProcessorFunctionName',
      'QueueArn',
      'QueueUrl',
      'RejectionsTableName',
      'TopicArn',
    ]);
  });

  it('exports what the orders API imports: the queue and the tables it reads an order state from', () => {
    const outputs = template.toJSON().Outputs;
    const exports = Object.fromEntries(
      Object.entries(outputs as Record<string, { Export?: { Name: string } }>)
        .filter(([, o]) => o.Export)
        .map(([k, o]) => [k, o.Export?.Name]),
    );
    expect(exports).toEqual({
      QueueUrl: 'OrderProcessor-QueueUrl',
      QueueArn: 'OrderProcessor-QueueArn',
      OrdersTableName: 'OrderProcessor-OrdersTableName',
      RejectionsTableName: 'OrderProcessor-RejectionsTableName',
    });
  });
});
