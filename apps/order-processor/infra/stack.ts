import { BundledFunction } from '@samples/cdk';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

export interface OrderProcessorStackProps extends StackProps {
  /** `function.zip` of src/handler.ts (`bundleLambda`). */
  bundle: string;
  /** Retain tables when the stack is deleted (default); `destroy` for throw-away stacks such as the emulator's. */
  removalPolicy?: RemovalPolicy;
  /**
   * A FIFO queue and FIFO DLQ instead of standard ones, for orders that must be processed in
   * order within a message group (senders give a `MessageGroupId` and a `MessageDeduplicationId`).
   */
  fifo?: boolean;
}

/**
 * The order processor alone: the orders queue and its DLQ, the function reading it in batches
 * with partial batch failures, the orders and idempotency tables, the notices topic, alarms.
 */
export class OrderProcessorStack extends Stack {
  readonly queue: sqs.Queue;
  readonly deadLetters: sqs.Queue;
  readonly orders: dynamodb.Table;
  readonly conflicts: dynamodb.Table;
  readonly rejections: dynamodb.Table;
  readonly idempotency: dynamodb.Table;
  readonly topic: sns.Topic;
  readonly processor: BundledFunction;

  constructor(scope: Construct, id: string, props: OrderProcessorStackProps) {
    super(scope, id, props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const timeout = Duration.minutes(5);
    // Reserved concurrency caps the function; the event source mapping does not know about it and
    // would poll more batches than the function may run. Those are throttled and come back after
    // the visibility timeout with their receive count raised, so under load valid orders could
    // reach the DLQ unprocessed. The mapping's maximum concurrency (2-1000) keeps it at or below
    // the reserved concurrency: the queue holds the backlog instead.
    const reservedConcurrency = 10;
    const maxConcurrency = reservedConcurrency;

    // A FIFO source needs a FIFO DLQ. Messages held back behind a poison message in their group
    // are received, and counted, with it: five receives give them room before they are parked.
    const fifo = props.fifo ?? false;
    const maxReceiveCount = fifo ? 5 : 3;
    this.deadLetters = new sqs.Queue(this, 'OrdersDeadLetters', {
      ...(fifo ? { fifo: true } : {}),
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Orders', {
      ...(fifo ? { fifo: true } : {}),
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      // At least six times the function's timeout, as Lambda's SQS guidance asks.
      visibilityTimeout: Duration.minutes(30),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount },
    });

    const table = (tid: string, key: string, ttl?: string, sortKey?: string) =>
      new dynamodb.Table(this, tid, {
        partitionKey: { name: key, type: dynamodb.AttributeType.STRING },
        sortKey: sortKey ? { name: sortKey, type: dynamodb.AttributeType.STRING } : undefined,
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: dynamodb.TableEncryption.AWS_MANAGED,
        timeToLiveAttribute: ttl,
        removalPolicy,
      });
    this.orders = table('OrdersTable', 'orderId');
    this.idempotency = table('IdempotencyTable', 'id', 'expiration');
    // Messages whose order id is stored with other content: both versions, one item per version,
    // kept (no TTL, retained) until an operator decides which order is the real one.
    this.conflicts = table('ConflictsTable', 'orderId', undefined, 'contentHash');
    // Invalid orders whose id could be read, with the reason: what a sender (the orders API)
    // shows as "rejected". The message itself still goes to the DLQ for an operator.
    this.rejections = table('RejectionsTable', 'orderId');

    this.topic = new sns.Topic(this, 'Notices', {
      displayName: 'Order notices',
      enforceSSL: true,
      masterKey: kms.Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns'),
    });

    this.processor = new BundledFunction(this, 'Processor', {
      zip: props.bundle,
      description: 'order-processor: SQS batch -> validate -> DynamoDB once -> SNS notice',
      memorySize: 512,
      timeout,
      reservedConcurrentExecutions: reservedConcurrency,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'order-processor',
        ORDERS_TABLE: this.orders.tableName,
        IDEMPOTENCY_TABLE: this.idempotency.tableName,
        CONFLICTS_TABLE: this.conflicts.tableName,
        REJECTIONS_TABLE: this.rejections.tableName,
        TOPIC_ARN: this.topic.topicArn,
      },
    });
    const fn = this.processor.function;
    fn.addEventSource(
      new sources.SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency }),
    );
    // Exactly what the handler calls: on orders the conditional PutItem (which returns the item
    // stored before, ReturnValuesOnConditionCheckFailure) and the UpdateItem that marks it
    // announced; a PutItem of a conflict; the idempotency record's life cycle; a PutItem of a
    // rejection. GetItem on orders stays: the PutItem hands back a stored item, a read of the
    // table, and AWS does not document that returning it needs no read permission.
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
        resources: [this.orders.tableArn],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:PutItem'],
        resources: [this.conflicts.tableArn],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:PutItem'],
        resources: [this.rejections.tableArn],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        resources: [this.idempotency.tableArn],
      }),
    );
    this.topic.grantPublish(fn);

    const alarm = (aid: string, description: string, metric: cloudwatch.IMetric, threshold = 1) =>
      new cloudwatch.Alarm(this, aid, {
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    alarm(
      'DeadLettersVisible',
      'Orders that failed three deliveries (invalid or poison): inspect, fix, redrive',
      this.deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
    );
    alarm(
      'ProcessorErrors',
      'The order processor failed whole invocations',
      fn.metricErrors({ period: Duration.minutes(5) }),
    );
    alarm(
      'OldestOrderAge',
      'Orders waiting over 15 minutes: the processor is behind or throttled',
      this.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: 'Maximum' }),
      15 * 60,
    );
    // A conflict is done with (parked, not retried), so no queue or error metric shows it: count
    // the handler's own log line. Lambda keeps Powertools' JSON lines as they are.
    const conflicts = new logs.MetricFilter(this, 'ConflictsLogged', {
      logGroup: fn.logGroup,
      filterPattern: logs.FilterPattern.stringValue('$.message', '=', 'order conflict parked'),
      metricNamespace: 'OrderProcessor',
      metricName: 'OrderConflicts',
      metricValue: '1',
    });
    alarm(
      'OrderConflictsParked',
      'An order id arrived with other content than the stored order: compare both versions in the conflicts table',
      conflicts.metric({ period: Duration.minutes(5), statistic: 'Sum' }),
    );

    // Exported: the orders API's stack (apps/orders-api) imports what it sends to and reads from.
    const exported = (name: string) => ({ exportName: `${this.stackName}-${name}` });
    new CfnOutput(this, 'QueueUrl', { value: this.queue.queueUrl, ...exported('QueueUrl') });
    new CfnOutput(this, 'QueueArn', { value: this.queue.queueArn, ...exported('QueueArn') });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.deadLetters.queueUrl });
    new CfnOutput(this, 'OrdersTableName', { value: this.orders.tableName, ...exported('OrdersTableName') });
    new CfnOutput(this, 'RejectionsTableName', {
      value: this.rejections.tableName,
      ...exported('RejectionsTableName'),
    });
    new CfnOutput(this, 'ConflictsTableName', { value: this.conflicts.tableName });
    new CfnOutput(this, 'IdempotencyTableName', { value: this.idempotency.tableName });
    new CfnOutput(this, 'ProcessorFunctionName', { value: fn.functionName });
    new CfnOutput(this, 'TopicArn', { value: this.topic.topicArn });
  }
}
