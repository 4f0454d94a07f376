import { readFileSync } from 'node:fs';
import {
  acknowledge,
  BundledFunction,
  MediaBuckets,
  nagValue,
  type TranscoderNetwork,
  TranscoderOnFargate,
  UploadTrigger,
} from '@samples/cdk';
import { type CfnElement, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { LIMITS } from '../src/limits.ts';
import { checkDefinitionLimits, limitSubstitutions } from './definition.ts';

export interface VideoPipelineStackProps extends StackProps {
  /** `function.zip` of each handler (`bundleLambda` of src/validate.ts, notify.ts, trigger.ts). */
  bundles: { validate: string; notify: string; trigger: string };
  /** The transcoder image's build context and Dockerfile. */
  transcoderImage: { context: string; dockerfile: string };
  /** The ASL file, `statemachine/video-pipeline.asl.json`: the one the tests deploy. */
  definitionFile: string;
  /** Uploads under this prefix start an execution. */
  uploadPrefix?: string;
  /** Where the tasks run: an existing VPC and subnets, or flow logs off for the VPC it creates. */
  network?: TranscoderNetwork;
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
    // The ASL file's timeouts and attempts are those of src/limits.ts, or nothing deploys.
    checkDefinitionLimits(readFileSync(props.definitionFile, 'utf8'), props.definitionFile);

    const buckets = new MediaBuckets(this, 'Buckets');
    this.inputBucket = buckets.uploads;
    this.outputBucket = buckets.renditions;

    const transcoder = new TranscoderOnFargate(this, 'Transcoder', {
      ...props.network,
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
      environment: { POWERTOOLS_SERVICE_NAME: 'video-pipeline', MAX_INPUT_BYTES: String(LIMITS.maxInputBytes) },
    });
    validate.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [this.inputBucket.arnForObjects(`${uploadPrefix}*`)],
      }),
    );
    // Without s3:ListBucket S3 answers 403, not 404, for a missing key; ValidateVideo then lists
    // the key as prefix to tell a missing upload from a denied one (src/missing.ts).
    validate.role.addToPolicy(listUnder(this.inputBucket, `${uploadPrefix}*`));
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
    notify.role.addToPolicy(listUnder(this.outputBucket, `${transcoder.outputPrefix}/manifest/*`));
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
        ...limitSubstitutions(),
      },
      // No `timeout` here: CDK applies it only to definitions built in code. The file's own
      // TimeoutSeconds (src/limits.ts, checked above) is the execution's.
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

    const trigger = new BundledFunction(this, 'Trigger', {
      zip: props.bundles.trigger,
      description: 'video-pipeline trigger: one execution per upload',
      environment: { POWERTOOLS_SERVICE_NAME: 'video-pipeline', STATE_MACHINE_ARN: this.stateMachine.stateMachineArn },
    });
    this.stateMachine.grantStartExecution(trigger.role);
    new UploadTrigger(this, 'OnUpload', { bucket: this.inputBucket, prefix: uploadPrefix, function: trigger.function });

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
        rule: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:${nagValue(this.region, 'AWS::Region')}:${nagValue(this.account, 'AWS::AccountId')}:task/<${logicalId(transcoder.cluster)}>/*]`,
        reason:
          'runTask.sync describes and, on a timeout, stops the task it started: task ids are not known in advance; one cluster only',
      },
      {
        rule: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'CloudWatch Logs delivery (logs:CreateLogDelivery...) and X-Ray have no resource-level permissions',
      },
    );

    const outputs: Record<string, string> = {
      UploadsBucket: this.inputBucket.bucketName,
      RenditionsBucket: this.outputBucket.bucketName,
      StateMachineArn: this.stateMachine.stateMachineArn,
      NoticesTopicArn: this.topic.topicArn,
      TriggerFunctionName: trigger.function.functionName,
      NotifyFunctionName: notify.function.functionName,
      Cluster: transcoder.cluster.clusterName,
      TaskRoleName: transcoder.taskDefinition.taskRole.roleName,
    };
    for (const [id, value] of Object.entries(outputs)) new CfnOutput(this, id, { value });

    new cloudwatch.Alarm(this, 'ExecutionsFailed', {
      alarmDescription: 'A pipeline execution failed (a rejection or a transcode failure): see the notices topic',
      metric: this.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}

/** s3:ListBucket on a bucket, only for listings under one prefix (the `s3:prefix` condition key). */
function listUnder(bucket: s3.IBucket, prefix: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['s3:ListBucket'],
    resources: [bucket.bucketArn],
    conditions: { StringLike: { 's3:prefix': prefix } },
  });
}
