import {
  acknowledge,
  BundledFunction,
  MediaBuckets,
  type TranscoderNetwork,
  TranscoderOnFargate,
  UploadTrigger,
} from '@samples/cdk';
import { type CfnElement, CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

export interface EcsTaskLauncherStackProps extends StackProps {
  /** `function.zip` of src/handler.ts (`bundleLambda`). */
  bundle: string;
  /** The transcoder image's build context and Dockerfile. */
  transcoderImage: { context: string; dockerfile: string };
  /** Uploads under this prefix start a task. */
  uploadPrefix?: string;
  /** `FARGATE` (default) or `FARGATE_SPOT` (the cluster gets both capacity providers). */
  capacityProvider?: 'FARGATE' | 'FARGATE_SPOT';
  /** The record of started uploads is retained when the stack is deleted (default); `DESTROY` for throw-away stacks. */
  removalPolicy?: RemovalPolicy;
  /** Where the tasks run: an existing VPC and subnets, or flow logs off for the VPC it creates. */
  network?: TranscoderNetwork;
}

/**
 * The launcher alone: buckets, the transcoder on Fargate, the function, its record of started
 * uploads and its S3 trigger.
 */
export class EcsTaskLauncherStack extends Stack {
  readonly uploads: s3.Bucket;
  readonly renditions: s3.Bucket;
  readonly launches: dynamodb.Table;
  readonly launcher: BundledFunction;

  constructor(scope: Construct, id: string, props: EcsTaskLauncherStackProps) {
    super(scope, id, props);
    const uploadPrefix = props.uploadPrefix ?? 'uploads/';
    const buckets = new MediaBuckets(this, 'Buckets');
    this.uploads = buckets.uploads;
    this.renditions = buckets.renditions;

    const transcoder = new TranscoderOnFargate(this, 'Transcoder', {
      ...props.network,
      imageContext: props.transcoderImage.context,
      dockerfile: props.transcoderImage.dockerfile,
      inputBucket: this.uploads,
      inputPrefix: uploadPrefix,
      outputBucket: this.renditions,
    });
    if (props.capacityProvider === 'FARGATE_SPOT') transcoder.cluster.enableFargateCapacityProviders();

    // One item per upload, the durable answer to "was its task started?". No TTL: an expired
    // record would let a late re-delivery start the task again, and an item is a few hundred bytes.
    this.launches = new dynamodb.Table(this, 'LaunchTable', {
      partitionKey: { name: 'token', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    this.launcher = new BundledFunction(this, 'Launcher', {
      zip: props.bundle,
      description: 'ecs-task-launcher: an upload starts the transcoder on Fargate, once per upload',
      environment: {
        POWERTOOLS_SERVICE_NAME: 'ecs-task-launcher',
        CLUSTER: transcoder.cluster.clusterArn,
        TASK_DEFINITION: transcoder.taskDefinition.taskDefinitionArn,
        CONTAINER_NAME: transcoder.containerName,
        SUBNETS: transcoder.subnetIds(),
        SECURITY_GROUPS: transcoder.securityGroup.securityGroupId,
        CAPACITY_PROVIDER: props.capacityProvider ?? 'FARGATE',
        LAUNCH_TABLE: this.launches.tableName,
        // Longer than the function's 30 s timeout: a claim whose lease ran out has no live holder.
        CLAIM_LEASE_SECONDS: '60',
      },
    });
    transcoder.grantRun(this.launcher.role);
    // Claim, read and update records; nothing that scans, deletes or writes in batches.
    this.launcher.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [this.launches.tableArn],
      }),
    );
    // HeadObject, for direct calls that do not name the ETag.
    this.launcher.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [this.uploads.arnForObjects(`${uploadPrefix}*`)],
      }),
    );
    // Without s3:ListBucket, S3 answers a HeadObject of a missing key with 403, not 404
    // (HeadObject API reference, "Permissions"): the launcher could not say "does not exist".
    // Listing is limited to the upload prefix.
    this.launcher.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.uploads.bucketArn],
        conditions: { StringLike: { 's3:prefix': `${uploadPrefix}*` } },
      }),
    );
    new UploadTrigger(this, 'OnUpload', {
      bucket: this.uploads,
      prefix: uploadPrefix,
      function: this.launcher.function,
    });

    // What a caller needs to upload, call the function directly and follow the tasks it starts.
    new CfnOutput(this, 'UploadsBucket', { value: this.uploads.bucketName });
    new CfnOutput(this, 'RenditionsBucket', { value: this.renditions.bucketName });
    new CfnOutput(this, 'LaunchTableName', { value: this.launches.tableName });
    new CfnOutput(this, 'LauncherFunctionName', { value: this.launcher.function.functionName });
    new CfnOutput(this, 'Cluster', { value: transcoder.cluster.clusterName });
    new CfnOutput(this, 'TaskDefinition', { value: transcoder.taskDefinition.taskDefinitionArn });

    const bucketArn = `${Stack.of(this).getLogicalId(this.uploads.node.defaultChild as CfnElement)}.Arn`;
    acknowledge(
      this.launcher.role,
      {
        rule: `AwsSolutions-IAM5[Resource::<${bucketArn}>/${uploadPrefix}*]`,
        reason: 'HeadObject on whichever upload a direct call names, under the upload prefix only',
      },
      {
        rule: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray has no resource-level permission',
      },
    );
  }
}
