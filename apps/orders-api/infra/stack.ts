import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { acknowledge, isolatedVpc } from '@samples/cdk';
import { CfnOutput, Duration, Fn, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';

export interface OrdersApiStackProps extends StackProps {
  /** The image's build context (`pnpm --filter @samples/orders-api build`) and Dockerfile. */
  image: { context: string; dockerfile: string };
  /**
   * The deployed order processor stack whose exports this stack imports: its queue, its orders
   * table and its rejections table (default `OrderProcessor`).
   */
  processorStack?: string;
  /** An ACM certificate for an HTTPS listener (port 443; port 80 then redirects to it). */
  certificateArn?: string;
  /**
   * Requests without a valid JWT (RS256) from this issuer are rejected by the load balancer (ALB
   * JWT verification; needs `certificateArn`: it runs on HTTPS listeners only).
   */
  jwt?: { issuer: string; jwksEndpoint: string };
  /** Requests per client IP in any 5 minutes before the WAF answers 429 (default 1000; 0: no WAF). */
  rateLimitPerIp?: number;
  /** Tasks' rejected traffic to CloudWatch Logs (default true). */
  flowLogs?: boolean;
  /** Task count bounds for CPU target tracking (default 2-10). */
  minTasks?: number;
  maxTasks?: number;
}

const PORT = 8080;

/**
 * The task role's statements: exactly what src/aws.ts calls. Exported so the e2e runs the tasks
 * under these and nothing more.
 */
export function taskRoleStatements(arns: { queue: string; orders: string; rejections: string; requests: string }) {
  return [
    new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [arns.queue] }),
    new iam.PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [arns.orders, arns.rejections] }),
    new iam.PolicyStatement({
      actions: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:DeleteItem'],
      resources: [arns.requests],
    }),
  ];
}

/**
 * The orders API on Fargate behind an internet-facing Application Load Balancer: 0.5 vCPU /
 * 1 GB tasks in isolated subnets (VPC endpoints, no NAT), 2-10 of them on CPU target tracking,
 * a deployment circuit breaker that rolls back, a WAF rate limit per client IP, and a task
 * role that may send to the processor's queue and read the order state, nothing else.
 */
export class OrdersApiStack extends Stack {
  readonly service: ecs.FargateService;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly requests: dynamodb.Table;

  constructor(scope: Construct, id: string, props: OrdersApiStackProps) {
    super(scope, id, props);
    if (props.jwt && !props.certificateArn)
      throw new Error('jwt needs certificateArn: ALB verifies JWTs on HTTPS only');
    const processor = props.processorStack ?? 'OrderProcessor';
    const imported = (name: string) => Fn.importValue(`${processor}-${name}`);
    const queueUrl = imported('QueueUrl');
    const queueArn = imported('QueueArn');
    const tableArn = (name: string) => this.formatArn({ service: 'dynamodb', resource: 'table', resourceName: name });
    const ordersTable = imported('OrdersTableName');
    const rejectionsTable = imported('RejectionsTableName');

    // Public subnets for the load balancer only; tasks in isolated subnets reach DynamoDB (gateway)
    // and SQS, ECR and CloudWatch Logs (interface endpoints) and nothing else.
    const vpc = isolatedVpc(this, {
      cidr: '10.1.0.0/16',
      publicSubnets: true,
      dynamoDb: true,
      interfaceEndpoints: { Sqs: ec2.InterfaceVpcEndpointAwsService.SQS },
      flowLogs: props.flowLogs ?? true,
      owner: 'Orders API',
    });
    const cluster = new ecs.Cluster(this, 'Cluster', { vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });

    // One item per accepted Idempotency-Key, expiring after the API's REQUEST_TTL_DAYS.
    this.requests = new dynamodb.Table(this, 'RequestsTable', {
      partitionKey: { name: 'orderId', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: 'expiresAt',
      removalPolicy: RemovalPolicy.DESTROY,
    });

    copyFileSync(props.image.dockerfile, join(props.image.context, 'Dockerfile'));
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const task = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: 512,
      memoryLimitMiB: 1024,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    task.addContainer('api', {
      image: ecs.ContainerImage.fromAsset(props.image.context),
      essential: true,
      readonlyRootFilesystem: true,
      portMappings: [{ containerPort: PORT }],
      // SIGTERM, then SIGKILL after this; the API drains within SHUTDOWN_TIMEOUT_MS (20 s).
      stopTimeout: Duration.seconds(30),
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'orders-api', logGroup }),
      environment: {
        PORT: String(PORT),
        ORDERS_QUEUE_URL: queueUrl,
        ORDERS_TABLE: ordersTable,
        REJECTIONS_TABLE: rejectionsTable,
        REQUESTS_TABLE: this.requests.tableName,
        SHUTDOWN_TIMEOUT_MS: '20000',
      },
    });
    for (const statement of taskRoleStatements({
      queue: queueArn,
      orders: tableArn(ordersTable),
      rejections: tableArn(rejectionsTable),
      requests: this.requests.tableArn,
    })) {
      task.addToTaskRolePolicy(statement);
    }

    const taskSecurityGroup = new ec2.SecurityGroup(this, 'TaskSecurityGroup', {
      vpc,
      description: 'Orders API tasks: port 8080 from the load balancer only',
      allowAllOutbound: true,
    });
    this.service = new ecs.FargateService(this, 'Service', {
      cluster,
      taskDefinition: task,
      desiredCount: props.minTasks ?? 2,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [taskSecurityGroup],
      healthCheckGracePeriod: Duration.seconds(30),
    });
    const scaling = this.service.autoScaleTaskCount({
      minCapacity: props.minTasks ?? 2,
      maxCapacity: props.maxTasks ?? 10,
    });
    scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: 60,
      scaleOutCooldown: Duration.seconds(60),
      scaleInCooldown: Duration.seconds(300),
    });

    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // ALB access logs can only be written to SSE-S3 buckets.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(accessLogs, {
      rule: 'AwsSolutions-S1',
      reason: "This bucket holds the load balancer's access logs; logging its own access would loop",
    });
    const lbSecurityGroup = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', {
      vpc,
      description: 'Orders API load balancer: HTTP(S) from the internet',
      allowAllOutbound: false,
    });
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc,
      internetFacing: true,
      securityGroup: lbSecurityGroup,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      dropInvalidHeaderFields: true,
    });
    this.loadBalancer.logAccessLogs(accessLogs, 'alb');
    const targets = new elbv2.ApplicationTargetGroup(this, 'Targets', {
      vpc,
      port: PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.IP,
      targets: [this.service],
      // ECS deregisters a stopping task, waits this long for its connections, then sends SIGTERM.
      deregistrationDelay: Duration.seconds(15),
      healthCheck: {
        path: '/healthz',
        interval: Duration.seconds(10),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
    });
    const forward = elbv2.ListenerAction.forward([targets]);
    if (props.certificateArn) {
      const https = this.loadBalancer.addListener('Https', {
        port: 443,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: [elbv2.ListenerCertificate.fromArn(props.certificateArn)],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        open: true,
        defaultAction: props.jwt ? elbv2.ListenerAction.authenticateJwt({ ...props.jwt, next: forward }) : forward,
      });
      https.node.addDependency(targets);
      this.loadBalancer.addRedirect({ sourcePort: 80, targetPort: 443 });
    } else {
      // Plain HTTP until a certificate is given: fine to try the sample, not for real customers.
      this.loadBalancer.addListener('Http', { port: 80, open: true, defaultAction: forward });
    }
    taskSecurityGroup.addIngressRule(lbSecurityGroup, ec2.Port.tcp(PORT), 'From the load balancer');
    lbSecurityGroup.addEgressRule(taskSecurityGroup, ec2.Port.tcp(PORT), 'To the tasks');
    acknowledge(lbSecurityGroup, {
      rule: 'AwsSolutions-EC23',
      reason: 'A public storefront API: the load balancer takes requests from any address; the WAF rate-limits each',
    });

    const rateLimit = props.rateLimitPerIp ?? 1000;
    if (rateLimit > 0) {
      const acl = new wafv2.CfnWebACL(this, 'RateLimit', {
        scope: 'REGIONAL',
        defaultAction: { allow: {} },
        visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: 'OrdersApi', sampledRequestsEnabled: true },
        rules: [
          {
            name: 'PerClientIp',
            priority: 0,
            action: { block: { customResponse: { responseCode: 429 } } },
            statement: { rateBasedStatement: { limit: rateLimit, aggregateKeyType: 'IP', evaluationWindowSec: 300 } },
            visibilityConfig: {
              cloudWatchMetricsEnabled: true,
              metricName: 'OrdersApiPerClientIp',
              sampledRequestsEnabled: true,
            },
          },
        ],
      });
      new wafv2.CfnWebACLAssociation(this, 'RateLimitAssociation', {
        resourceArn: this.loadBalancer.loadBalancerArn,
        webAclArn: acl.attrArn,
      });
    }

    acknowledge(
      task,
      {
        rule: 'AwsSolutions-ECS2',
        reason: 'Non-secret configuration only (queue URL, table names); secrets would come from Secrets Manager',
      },
      { rule: 'AwsSolutions-IAM5[Resource::*]', reason: 'ecr:GetAuthorizationToken has no resource-level permission' },
    );

    const scheme = props.certificateArn ? 'https' : 'http';
    new CfnOutput(this, 'ApiUrl', { value: `${scheme}://${this.loadBalancer.loadBalancerDnsName}` });
    new CfnOutput(this, 'RequestsTableName', { value: this.requests.tableName });
    new CfnOutput(this, 'ClusterName', { value: cluster.clusterName });
    new CfnOutput(this, 'ServiceName', { value: this.service.serviceName });
  }
}
