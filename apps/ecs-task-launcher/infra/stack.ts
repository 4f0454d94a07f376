import { acknowledge, BundledFunction, MediaBuckets, TranscoderOnFargate, UploadTrigger } from '@samples/cdk';
import { type CfnElement, Stack, type StackProps } from 'aws-cdk-lib';
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
}

/** The launcher alone: buckets, the transcoder on Fargate, the function and its S3 trigger. */
export class EcsTaskLauncherStack extends Stack {
  readonly uploads: s3.Bucket;
  readonly renditions: s3.Bucket;
  readonly launcher: BundledFunction;

  constructor(scope: Construct, id: string, props: EcsTaskLauncherStackProps) {
    super(scope, id, props);
    const uploadPrefix = props.uploadPrefix ?? 'uploads/';
    const buckets = new MediaBuckets(this, 'Buckets');
    this.uploads = buckets.uploads;
    this.renditions = buckets.renditions;

    const transcoder = new TranscoderOnFargate(this, 'Transcoder', {
      imageContext: props.transcoderImage.context,
      dockerfile: props.transcoderImage.dockerfile,
      inputBucket: this.uploads,
      inputPrefix: uploadPrefix,
      outputBucket: this.renditions,
    });
    if (props.capacityProvider === 'FARGATE_SPOT') transcoder.cluster.enableFargateCapacityProviders();

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
      },
    });
    transcoder.grantRun(this.launcher.role);
    this.launcher.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ecs:ListTasks'],
        resources: ['*'],
        conditions: { ArnEquals: { 'ecs:cluster': transcoder.cluster.clusterArn } },
      }),
    );
    // HeadObject, for direct calls that do not name the ETag.
    this.launcher.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [this.uploads.arnForObjects(`${uploadPrefix}*`)],
      }),
    );
    new UploadTrigger(this, 'OnUpload', {
      bucket: this.uploads,
      prefix: uploadPrefix,
      function: this.launcher.function,
    });

    const bucketArn = `${Stack.of(this).getLogicalId(this.uploads.node.defaultChild as CfnElement)}.Arn`;
    acknowledge(
      this.launcher.role,
      {
        rule: `AwsSolutions-IAM5[Resource::<${bucketArn}>/${uploadPrefix}*]`,
        reason: 'HeadObject on whichever upload a direct call names, under the upload prefix only',
      },
      {
        rule: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'ecs:ListTasks takes no resource ARN (it is limited to the cluster by the ecs:cluster condition); X-Ray has no resource-level permission',
      },
    );
  }
}
