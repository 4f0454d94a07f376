import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from './nag.ts';

/**
 * S3 ObjectCreated under a prefix -> the function, invoked asynchronously: two retries,
 * then the event is kept in a queue, not lost; alarms on the function's errors and on that
 * queue.
 */
export class UploadTrigger extends Construct {
  readonly deadLetters: sqs.Queue;

  constructor(scope: Construct, id: string, props: { bucket: s3.Bucket; prefix: string; function: lambda.Function }) {
    super(scope, id);
    this.deadLetters = new sqs.Queue(this, 'DeadLetters', {
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(this.deadLetters, {
      rule: 'AwsSolutions-SQS3',
      reason: "It is the function's on-failure destination: the queue of last resort",
    });
    props.function.configureAsyncInvoke({
      retryAttempts: 2,
      onFailure: new destinations.SqsDestination(this.deadLetters),
    });
    props.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(props.function), {
      prefix: props.prefix,
    });
    new cloudwatch.Alarm(this, 'Errors', {
      alarmDescription: `${props.function.node.path} failed on an upload event (it is retried twice)`,
      metric: props.function.metricErrors({ period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    new cloudwatch.Alarm(this, 'DeadLettersVisible', {
      alarmDescription: 'Upload events that failed every attempt: fix the cause, then redrive them',
      metric: this.deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // The notification is configured at deployment by CDK's own singleton function.
    const handler = Stack.of(this).node.tryFindChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834');
    if (handler) {
      acknowledge(
        handler,
        {
          rule: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          reason: "CDK's handler that sets the bucket notification at deployment; logging only",
        },
        {
          rule: 'AwsSolutions-IAM5[Resource::*]',
          reason: "CDK's bucket notification handler: s3:PutBucketNotification",
        },
        { rule: 'AwsSolutions-L1', reason: "CDK's bucket notification handler: its runtime is CDK's choice" },
      );
    }
  }
}
