import { execFileSync } from 'node:child_process';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteClusterCommand,
  DeleteServiceCommand,
  DeregisterTaskDefinitionCommand,
  ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DeleteListenerCommand,
  DeleteLoadBalancerCommand,
  DeleteTargetGroupCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { EmulatorInfo } from '@samples/emulator';
import { waitFor } from '@samples/emulator/waiters';
import { taskRoleStatements } from '../infra/stack.ts';
import { buildOrdersApiImage } from './image.ts';

export interface ApiDeployment {
  /** Where the ALB answers: the emulator's ALB data plane for this load balancer. */
  url: string;
  cluster: string;
  service: string;
  requestsTable: string;
  /** The key the tasks run with: the user holding exactly the stack's task role statements. */
  taskCredentials: { accessKeyId: string; secretAccessKey: string };
  /** The last log lines of the service's containers (for failure messages). */
  logs(): string;
  /** Running task ARNs of the service. */
  tasks(): Promise<string[]>;
  remove(): Promise<void>;
}

export interface ApiTargets {
  queueUrl: string;
  ordersTable: string;
  rejectionsTable: string;
}

/**
 * The harness's proxy as a container reaches it: the Docker gateway's address, the proxy's
 * port. Through it the API's calls count as TLS (`aws:SecureTransport`), as every call to AWS
 * does, so the queue's SSL-only policy lets them through; straight to the emulator it would not.
 */
function proxyForContainers(info: EmulatorInfo): string {
  return `http://${new URL(info.containerEndpoint).hostname}:${new URL(info.endpoint).port}`;
}

/** The SDK sends to the queue URL's host: the same queue at the address containers reach. */
function reachableFromContainers(info: EmulatorInfo, queueUrl: string): string {
  const url = new URL(queueUrl);
  url.host = new URL(proxyForContainers(info)).host;
  return url.toString();
}

/** The API's own table as infra/stack.ts shapes it: one item per order id, expiring by TTL. */
export async function createRequestsTable(ddb: DynamoDBClient, name: string): Promise<string> {
  await ddb.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'orderId', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }],
    }),
  );
  await ddb.send(
    new UpdateTimeToLiveCommand({
      TableName: name,
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    }),
  );
  return name;
}

/**
 * Test, demo and benchmark tooling: the API image as a Fargate service of `desiredCount` tasks
 * behind an Application Load Balancer in the emulator, created through the ECS and ELBv2 APIs
 * with what infra/stack.ts declares (0.5 vCPU / 1 GB, port 8080, /healthz target health
 * checks, 30 s stop timeout). Not deployed from the stack: the emulator's CloudFormation has no
 * AWS::ApplicationAutoScaling::* and no standalone AWS::EC2::SecurityGroupIngress, both of
 * which the stack needs (scaling 2-10 on CPU; the ALB-to-task rule).
 */
export async function deployApi(
  info: EmulatorInfo,
  name: string,
  targets: ApiTargets,
  opts: { desiredCount?: number } = {},
): Promise<ApiDeployment> {
  const env = process.env;
  const ecs = new ECSClient({});
  const elb = new ElasticLoadBalancingV2Client({});
  const ddb = new DynamoDBClient({});
  const image = await buildOrdersApiImage();
  const requestsTable = await createRequestsTable(ddb, `${name}-requests`);
  // The tasks' identity: an IAM user holding exactly the stack's task role statements (the
  // emulator's task credentials endpoint is unusable, see below), so a call the role lacks
  // fails here as it would on AWS.
  const iamClient = new IAMClient({});
  const tableArn = async (t: string) =>
    (await ddb.send(new DescribeTableCommand({ TableName: t }))).Table?.TableArn as string;
  const queueArn = (
    await new SQSClient({}).send(
      new GetQueueAttributesCommand({ QueueUrl: targets.queueUrl, AttributeNames: ['QueueArn'] }),
    )
  ).Attributes?.QueueArn as string;
  const statements = taskRoleStatements({
    queue: queueArn,
    orders: await tableArn(targets.ordersTable),
    rejections: await tableArn(targets.rejectionsTable),
    requests: await tableArn(requestsTable),
  });
  const userName = `${name}-task`.slice(0, 64);
  await iamClient.send(new CreateUserCommand({ UserName: userName }));
  await iamClient.send(
    new PutUserPolicyCommand({
      UserName: userName,
      PolicyName: 'task-role',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: statements.map((st) => st.toStatementJson()),
      }),
    }),
  );
  const key = (await iamClient.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey;
  const cluster = name;
  await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  const td = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: name,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '512',
      memory: '1024',
      containerDefinitions: [
        {
          name: 'api',
          image,
          essential: true,
          stopTimeout: 30,
          portMappings: [{ containerPort: 8080, protocol: 'tcp' }],
          environment: [
            // The emulator names queues after the address this machine reached it at, which a
            // container cannot (on AWS the URL is sqs.<region>.amazonaws.com for both).
            { name: 'ORDERS_QUEUE_URL', value: reachableFromContainers(info, targets.queueUrl) },
            { name: 'ORDERS_TABLE', value: targets.ordersTable },
            { name: 'REJECTIONS_TABLE', value: targets.rejectionsTable },
            { name: 'REQUESTS_TABLE', value: requestsTable },
            // The emulator sets AWS_ENDPOINT_URL in its tasks to its own address; the
            // service-specific variables take precedence in the SDK and name the proxy.
            { name: 'AWS_ENDPOINT_URL_SQS', value: proxyForContainers(info) },
            { name: 'AWS_ENDPOINT_URL_DYNAMODB', value: proxyForContainers(info) },
            // Fargate serves the task role's credentials from 169.254.170.2; the emulator's
            // credentials URI is plain HTTP to a host name, which the SDK refuses: the test
            // passes the key of the user holding the role's statements instead.
            { name: 'AWS_ACCESS_KEY_ID', value: key?.AccessKeyId as string },
            { name: 'AWS_SECRET_ACCESS_KEY', value: key?.SecretAccessKey as string },
            { name: 'AWS_REGION', value: info.region },
          ],
        },
      ],
    }),
  );
  const taskDefinitionArn = td.taskDefinition?.taskDefinitionArn as string;
  const lbName = name.slice(0, 32);
  const lb = await elb.send(new CreateLoadBalancerCommand({ Name: lbName, Type: 'application', Scheme: 'internal' }));
  const lbArn = lb.LoadBalancers?.[0]?.LoadBalancerArn as string;
  const tg = await elb.send(
    new CreateTargetGroupCommand({
      Name: lbName,
      Protocol: 'HTTP',
      Port: 8080,
      TargetType: 'ip',
      HealthCheckPath: '/healthz',
      HealthCheckIntervalSeconds: 10,
      HealthyThresholdCount: 2,
    }),
  );
  const tgArn = tg.TargetGroups?.[0]?.TargetGroupArn as string;
  const listener = await elb.send(
    new CreateListenerCommand({
      LoadBalancerArn: lbArn,
      Protocol: 'HTTP',
      Port: 80,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: tgArn }],
    }),
  );
  const service = name;
  const desiredCount = opts.desiredCount ?? 2;
  await ecs.send(
    new CreateServiceCommand({
      cluster,
      serviceName: service,
      taskDefinition: taskDefinitionArn,
      desiredCount,
      launchType: 'FARGATE',
      loadBalancers: [{ targetGroupArn: tgArn, containerName: 'api', containerPort: 8080 }],
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-local'], assignPublicIp: 'DISABLED' } },
    }),
  );
  const url = `${env.AWS_ENDPOINT_URL}/_alb/${lbName}`;
  // The emulator reports every registered target healthy without probing it (an ALB routes
  // only to targets that passed HealthCheckPath), so a task whose server is not listening yet
  // would get requests: wait until the health path answers on consecutive round-robin picks.
  let streak = 0;
  await waitFor(
    `${desiredCount} tasks answering /healthz behind ${lbName}`,
    async () => {
      const health = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }));
      if ((health.TargetHealthDescriptions ?? []).length < desiredCount) return undefined;
      const res = await fetch(`${url}/healthz`).catch(() => undefined);
      streak = res?.ok ? streak + 1 : 0;
      return streak >= 3 * desiredCount ? true : undefined;
    },
    { timeoutMs: 180_000, intervalMs: 200 },
  );
  const deployment: ApiDeployment = {
    url,
    cluster,
    service,
    requestsTable,
    taskCredentials: { accessKeyId: key?.AccessKeyId as string, secretAccessKey: key?.SecretAccessKey as string },
    logs() {
      const ids = execFileSync('docker', ['ps', '-aq', '--filter', `ancestor=${image}`], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean);
      return ids
        .map((id) => {
          try {
            const out = execFileSync('docker', ['logs', '--tail', '20', id], { encoding: 'utf8', stdio: 'pipe' });
            return `--- ${id}\n${out}`;
          } catch (err) {
            return `--- ${id}: ${(err as Error).message}`;
          }
        })
        .join('\n');
    },
    async tasks() {
      const r = await ecs.send(new ListTasksCommand({ cluster, serviceName: service, desiredStatus: 'RUNNING' }));
      return r.taskArns ?? [];
    },
    async remove() {
      const quiet = <T>(p: Promise<T>) => p.catch(() => undefined);
      await quiet(ecs.send(new DeleteServiceCommand({ cluster, service, force: true })));
      await quiet(elb.send(new DeleteListenerCommand({ ListenerArn: listener.Listeners?.[0]?.ListenerArn })));
      await quiet(elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: tgArn })));
      await quiet(elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lbArn })));
      await quiet(ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: taskDefinitionArn })));
      await quiet(ecs.send(new DeleteClusterCommand({ cluster })));
      await quiet(ddb.send(new DeleteTableCommand({ TableName: requestsTable })));
      await quiet(iamClient.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: key?.AccessKeyId })));
      await quiet(iamClient.send(new DeleteUserPolicyCommand({ UserName: userName, PolicyName: 'task-role' })));
      await quiet(iamClient.send(new DeleteUserCommand({ UserName: userName })));
    },
  };
  return deployment;
}
