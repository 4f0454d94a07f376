import { acknowledge, BundledFunction, TranscoderOnFargate } from '@samples/cdk';
import { type CfnElement, Duration, RemovalPolicy, Stack, type StackProps, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';

export interface VideoPipelineStackProps extends StackProps {
  /** `function.zip` of each handler (`bundleLambda` of src/validate.ts, notify.ts, trigger.ts). */
  bundles: { validate: string; notify: string; trigger: string };
  /** The transcoder image's build context and Dockerfile. */
  transcoderImage: { context: string; dockerfile: string };
  /** The ASL file, `statemachine/video-pipeline.asl.json`: the one the tests deploy. */
  definitionFile: string;
  /** Uploads under this prefix start an execution. */
  uploadPrefix?: string;
}

/**
 * The video pipeline alone: buckets, the transcoder on Fargate, the three functions, the
 * state machine from the repository's ASL file, the notices topic, alarms.
 */
export class VideoPipelineStack extends Stack {
  readonly inputBucket: s3.Bucket;
  readonly outputBucket: s3.Bucket;
  readonly stateMachine: sfn.StateMachine;
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: VideoPipelineStackProps) {
    super(scope, id, props);
    const uploadPrefix = props.uploadPrefix ?? 'uploads/';

    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(90) }],
    });
    acknowledge(accessLogs, {
      rule: 'AwsSolutions-S1',
      reason: 'This is the access log bucket of the two others; logging it to itself would loop',
    });
    const bucket = (bid: string, prefix: string) =>
      new s3.Bucket(this, bid, {
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        encryption: s3.BucketEncryption.S3_MANAGED,
        enforceSSL: true,
        serverAccessLogsBucket: accessLogs,
        serverAccessLogsPrefix: prefix,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    this.inputBucket = bucket('Uploads', 'uploads/');
    this.outputBucket = bucket('Renditions', 'renditions/');

    const transcoder = new TranscoderOnFargate(this, 'Transcoder', {
      imageContext: props.transcoderImage.context,
      dockerfile: props.transcoderImage.dockerfile,
      inputBucket: this.inputBucket,
      inputPrefix: uploadPrefix,
      outputBucket: this.outputBucket,
    });

    this.topic = new sns.Topic(this, 'Notices', {
      displayName: 'Video pipeline notices',
      enforceSSL: true,
      masterKey: kms.Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns'),
    });

    const validate = new BundledFunction(this, 'ValidateVideo', {
      zip: props.bundles.validate,
      description: 'video-pipeline ValidateVideo: size, content type, magic bytes',
      environment: { POWERTOOLS_SERVICE_NAME: 'video-pipeline' },
    });
    validate.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [this.inputBucket.arnForObjects(`${uploadPrefix}*`)],
      }),
    );
    const notify = new BundledFunction(this, 'Notify', {
      zip: props.bundles.notify,
      description: 'video-pipeline Notify: completion, rejection and failure notices',
      environment: {
        POWERTOOLS_SERVICE_NAME: 'video-pipeline',
        TOPIC_ARN: this.topic.topicArn,
        OUTPUT_BUCKET: this.outputBucket.bucketName,
        OUTPUT_PREFIX: transcoder.outputPrefix,
      },
    });
    notify.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [this.outputBucket.arnForObjects(`${transcoder.outputPrefix}/manifest/*`)],
      }),
    );
    this.topic.grantPublish(notify.role);

    const stateLogs = new logs.LogGroup(this, 'StateMachineLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new sfn.StateMachine(this, 'Pipeline', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromFile(props.definitionFile),
      definitionSubstitutions: {
        ValidateVideoFunctionArn: validate.function.functionArn,
        NotifyFunctionArn: notify.function.functionArn,
        ClusterArn: transcoder.cluster.clusterArn,
        TaskDefinitionArn: transcoder.taskDefinition.taskDefinitionArn,
        ContainerName: transcoder.containerName,
        Subnets: transcoder.subnetIds(),
        SecurityGroups: transcoder.securityGroup.securityGroupId,
        OutputBucket: this.outputBucket.bucketName,
        OutputPrefix: transcoder.outputPrefix,
      },
      timeout: Duration.hours(2),
      tracingEnabled: true,
      logs: { destination: stateLogs, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    // The definition comes from a file, so CDK cannot infer what it calls: grant it here.
    validate.function.grantInvoke(this.stateMachine);
    notify.function.grantInvoke(this.stateMachine);
    transcoder.grantRun(this.stateMachine);
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ecs:StopTask', 'ecs:DescribeTasks'],
        resources: [
          `arn:${this.partition}:ecs:${this.region}:${this.account}:task/${transcoder.cluster.clusterName}/*`,
        ],
      }),
    );
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        resources: [
          `arn:${this.partition}:events:${this.region}:${this.account}:rule/StepFunctionsGetEventsForECSTaskRule`,
        ],
      }),
    );

    const triggerDlq = new sqs.Queue(this, 'TriggerDeadLetters', {
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
    });
    const trigger = new BundledFunction(this, 'Trigger', {
      zip: props.bundles.trigger,
      description: 'video-pipeline trigger: one execution per upload',
      environment: { POWERTOOLS_SERVICE_NAME: 'video-pipeline', STATE_MACHINE_ARN: this.stateMachine.stateMachineArn },
    });
    // S3 invokes it asynchronously: after two retries the event is kept in a queue, not lost.
    trigger.function.configureAsyncInvoke({
      retryAttempts: 2,
      onFailure: new destinations.SqsDestination(triggerDlq),
    });
    acknowledge(triggerDlq, {
      rule: 'AwsSolutions-SQS3',
      reason: "It is the trigger's on-failure destination: the queue of last resort",
    });
    this.stateMachine.grantStartExecution(trigger.role);
    this.inputBucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(trigger.function), {
      prefix: uploadPrefix,
    });

    // How cdk-nag prints a value: as is when known at synthesis, else the pseudo parameter.
    const pseudo = (v: string, name: string) => (Token.isUnresolved(v) ? `<${name}>` : v);
    const logicalId = (c: Construct) => Stack.of(c).getLogicalId(c.node.defaultChild as CfnElement);
    acknowledge(validate.role, {
      rule: `AwsSolutions-IAM5[Resource::<${logicalId(this.inputBucket)}.Arn>/${uploadPrefix}*]`,
      reason: 'ValidateVideo reads whichever upload the execution names, under the upload prefix only',
    });
    acknowledge(notify.role, {
      rule: `AwsSolutions-IAM5[Resource::<${logicalId(this.outputBucket)}.Arn>/${transcoder.outputPrefix}/manifest/*]`,
      reason: 'Notify reads the manifest of whichever video the execution transcoded, manifests only',
    });
    acknowledge(
      this.stateMachine,
      ...[validate, notify].map((f) => ({
        rule: `AwsSolutions-IAM5[Resource::<${logicalId(f.function)}.Arn>:*]`,
        reason: 'Invoking the function by any version or alias, as lambda:invoke allows',
      })),
      {
        rule: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:${pseudo(this.region, 'AWS::Region')}:${pseudo(this.account, 'AWS::AccountId')}:task/<${logicalId(transcoder.cluster)}>/*]`,
        reason:
          'runTask.sync describes and, on a timeout, stops the task it started: task ids are not known in advance; one cluster only',
      },
      {
        rule: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'CloudWatch Logs delivery (logs:CreateLogDelivery...) and X-Ray have no resource-level permissions',
      },
    );
    const notifications = this.node.tryFindChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834');
    if (notifications) {
      acknowledge(
        notifications,
        {
          rule: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          reason: "CDK's own handler that configures the bucket notification at deployment; logging only",
        },
        {
          rule: 'AwsSolutions-IAM5[Resource::*]',
          reason: "CDK's bucket notification handler: s3:PutBucketNotification at deployment",
        },
        { rule: 'AwsSolutions-L1', reason: "CDK's bucket notification handler: its runtime is CDK's choice" },
      );
    }

    new cloudwatch.Alarm(this, 'ExecutionsFailed', {
      alarmDescription: 'A pipeline execution failed (a rejection or a transcode failure): see the notices topic',
      metric: this.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    new cloudwatch.Alarm(this, 'TriggerErrors', {
      alarmDescription: 'The trigger function failed to start executions',
      metric: trigger.function.metricErrors({ period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    new cloudwatch.Alarm(this, 'TriggerDeadLettersAlarm', {
      alarmDescription: 'Upload events the trigger could not turn into executions: redrive them',
      metric: triggerDlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
