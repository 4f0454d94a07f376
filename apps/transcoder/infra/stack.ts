import { MediaBuckets, type TranscoderNetwork, TranscoderOnFargate } from '@samples/cdk';
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

export interface TranscoderStackProps extends StackProps {
  /** The image's build context (`pnpm --filter @samples/transcoder build`) and Dockerfile. */
  image: { context: string; dockerfile: string };
  /** Only keys under this prefix are readable by the task (default: the whole input bucket). */
  inputPrefix?: string;
  /** Where the tasks run: an existing VPC and subnets, or flow logs off for the VPC it creates. */
  network?: TranscoderNetwork;
}

/**
 * The transcoder alone: its buckets and its Fargate task definition in a cluster and VPC of
 * its own. Start it with `aws ecs run-task` (the outputs print the command's values), from the
 * ecs-task-launcher or from the video pipeline.
 */
export class TranscoderStack extends Stack {
  constructor(scope: Construct, id: string, props: TranscoderStackProps) {
    super(scope, id, props);
    const buckets = new MediaBuckets(this, 'Buckets');
    const transcoder = new TranscoderOnFargate(this, 'Transcoder', {
      ...props.network,
      imageContext: props.image.context,
      dockerfile: props.image.dockerfile,
      inputBucket: buckets.uploads,
      inputPrefix: props.inputPrefix,
      outputBucket: buckets.renditions,
    });
    new CfnOutput(this, 'InputBucket', { value: buckets.uploads.bucketName });
    new CfnOutput(this, 'OutputBucket', { value: buckets.renditions.bucketName });
    new CfnOutput(this, 'Cluster', { value: transcoder.cluster.clusterName });
    new CfnOutput(this, 'TaskDefinition', { value: transcoder.taskDefinition.taskDefinitionArn });
    new CfnOutput(this, 'Subnets', { value: transcoder.subnetIds() });
    new CfnOutput(this, 'SecurityGroup', { value: transcoder.securityGroup.securityGroupId });
  }
}
