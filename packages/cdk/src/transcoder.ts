import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from './nag.ts';
import { isolatedVpc } from './vpc.ts';

export interface TranscoderOnFargateProps {
  /** The image's build context (`apps/transcoder/dist/image`, from its `build` script). */
  imageContext: string;
  /** `docker/transcoder.Dockerfile`; copied into the context so the asset is self-contained. */
  dockerfile: string;
  inputBucket: s3.IBucket;
  /** Only keys under this prefix are readable by the task. */
  inputPrefix?: string;
  outputBucket: s3.IBucket;
  outputPrefix?: string;
  /**
   * An existing VPC (its tasks then need a route to S3, ECR and CloudWatch Logs: a NAT gateway
   * or the endpoints). Otherwise one of its own: two AZs, isolated subnets, no internet route,
   * an S3 gateway endpoint and ECR / CloudWatch Logs interface endpoints.
   */
  vpc?: ec2.IVpc;
  /** Where tasks run in `vpc` (default: its private subnets, with egress or isolated). */
  subnets?: ec2.SubnetSelection;
  /** Rejected traffic of the VPC it creates to CloudWatch Logs (default true; ignored with `vpc`). */
  flowLogs?: boolean;
  /** More container environment (RENDITIONS, X264_PRESET, CRF, ...); the bucket settings win. */
  environment?: Record<string, string>;
  /** Pins the container's user in the task definition (the image itself runs as `node`). */
  user?: string;
}

/** Where the tasks run: a stack's `network` prop. */
export type TranscoderNetwork = Pick<TranscoderOnFargateProps, 'vpc' | 'subnets' | 'flowLogs'>;

/**
 * The transcoder as a Fargate task definition in a cluster of its own: what the launcher
 * and the pipeline start. The task role reads the input and writes only under the output
 * prefix; the container runs as the image's non-root user, logs to its own log group.
 */
export class TranscoderOnFargate extends Construct {
  readonly vpc: ec2.IVpc;
  readonly cluster: ecs.Cluster;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly containerName = 'transcoder';
  readonly securityGroup: ec2.SecurityGroup;
  readonly subnets: ec2.SubnetSelection;
  readonly outputPrefix: string;

  constructor(scope: Construct, id: string, props: TranscoderOnFargateProps) {
    super(scope, id);
    this.outputPrefix = props.outputPrefix ?? 'processed';
    this.vpc =
      props.vpc ?? isolatedVpc(this, { cidr: '10.0.0.0/16', flowLogs: props.flowLogs ?? true, owner: 'Transcoder' });
    this.subnets =
      props.subnets ??
      (props.vpc && props.vpc.privateSubnets.length > 0
        ? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }
        : { subnetType: ec2.SubnetType.PRIVATE_ISOLATED });
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: this.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    this.securityGroup = new ec2.SecurityGroup(this, 'TaskSecurityGroup', {
      vpc: this.vpc,
      description: 'Transcoder tasks: no inbound, outbound to S3, ECR and CloudWatch Logs',
      allowAllOutbound: true,
    });

    copyFileSync(props.dockerfile, join(props.imageContext, 'Dockerfile'));
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: 2048,
      memoryLimitMiB: 4096,
      ephemeralStorageGiB: 50,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    this.taskDefinition.addContainer(this.containerName, {
      image: ecs.ContainerImage.fromAsset(props.imageContext),
      essential: true,
      user: props.user,
      stopTimeout: Duration.seconds(30),
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'transcoder', logGroup }),
      environment: {
        ...props.environment,
        OUTPUT_BUCKET: props.outputBucket.bucketName,
        OUTPUT_PREFIX: this.outputPrefix,
      },
    });

    const inputKeys = `${props.inputPrefix ?? ''}*`;
    this.taskDefinition.addToTaskRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [props.inputBucket.arnForObjects(inputKeys)] }),
    );
    // Without s3:ListBucket, S3 answers a GetObject of a missing key with 403 AccessDenied, not
    // 404 NoSuchKey (GetObject API reference, Permissions): the task could not tell a missing
    // source (invalid input, exit 2) from a broken permission (exit 1). Narrowed to the prefix read.
    this.taskDefinition.addToTaskRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [props.inputBucket.bucketArn],
        conditions: props.inputPrefix ? { StringLike: { 's3:prefix': `${props.inputPrefix}*` } } : undefined,
      }),
    );
    this.taskDefinition.addToTaskRolePolicy(
      new iam.PolicyStatement({
        // No s3:DeleteObject: a retry overwrites, and nothing an earlier run completed is deleted.
        actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
        resources: [props.outputBucket.arnForObjects(`${this.outputPrefix}/*`)],
      }),
    );

    const stack = Stack.of(this);
    const arnOf = (b: s3.IBucket) => `${stack.getLogicalId(b.node.defaultChild as s3.CfnBucket)}.Arn`;
    acknowledge(
      this.taskDefinition,
      {
        rule: 'AwsSolutions-ECS2',
        reason: 'Non-secret configuration only (bucket name, key prefix); secrets would come from Secrets Manager',
      },
      {
        rule: `AwsSolutions-IAM5[Resource::<${arnOf(props.inputBucket)}>/${inputKeys}]`,
        reason: 'The task reads whichever upload it is told to, under one prefix of one bucket',
      },
      {
        rule: `AwsSolutions-IAM5[Resource::<${arnOf(props.outputBucket)}>/${this.outputPrefix}/*]`,
        reason: 'The task writes renditions named after the upload, under one prefix of one bucket',
      },
      { rule: 'AwsSolutions-IAM5[Resource::*]', reason: 'ecr:GetAuthorizationToken has no resource-level permission' },
    );
  }

  /** What starting the task needs: RunTask on the task definition, PassRole on its two roles. */
  grantRun(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['ecs:RunTask'],
      resourceArns: [this.taskDefinition.taskDefinitionArn],
      conditions: { ArnEquals: { 'ecs:cluster': this.cluster.clusterArn } },
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['iam:PassRole'],
      resourceArns: [this.taskDefinition.taskRole.roleArn, this.taskDefinition.obtainExecutionRole().roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    });
  }

  /** Comma-separated subnet ids, as the launcher's and the state machine's configuration take them. */
  subnetIds(): string {
    return this.vpc.selectSubnets(this.subnets).subnetIds.join(',');
  }
}
