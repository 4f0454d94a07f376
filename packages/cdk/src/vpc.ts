import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { acknowledge } from './nag.ts';

export interface IsolatedVpcProps {
  cidr: string;
  /** Gateway endpoints (free): S3 always (ECR keeps image layers there), DynamoDB when the tasks use it. */
  dynamoDb?: boolean;
  /** Interface endpoints besides ECR's two and CloudWatch Logs, e.g. `{ Sqs: SQS }`. */
  interfaceEndpoints?: Record<string, ec2.InterfaceVpcEndpointAwsService>;
  /** A public subnet per AZ as well, for a load balancer only. */
  publicSubnets?: boolean;
  /** REJECT flow logs; off only when the deployer says so (cdk-nag VPC7 acknowledged then). */
  flowLogs: boolean;
  /** Who the endpoints' security group serves, for its description. */
  owner: string;
}

/**
 * Two AZs of isolated subnets for tasks that reach only what they use, through VPC endpoints: no
 * NAT gateway, no internet route. Cheaper at rest than a NAT gateway per AZ, and nothing in a
 * container can call out elsewhere. Made in `scope` itself (ids `Vpc`, `EndpointSecurityGroup`
 * and the endpoint names), so a stack keeps its logical ids.
 */
export function isolatedVpc(scope: Construct, props: IsolatedVpcProps): ec2.Vpc {
  const subnetConfiguration: ec2.SubnetConfiguration[] = [
    { name: 'Tasks', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
  ];
  if (props.publicSubnets) {
    subnetConfiguration.unshift({ name: 'LoadBalancer', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 });
  }
  const vpc = new ec2.Vpc(scope, 'Vpc', {
    ipAddresses: ec2.IpAddresses.cidr(props.cidr),
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration,
    gatewayEndpoints: {
      S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
      ...(props.dynamoDb ? { DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB } } : {}),
    },
    flowLogs: props.flowLogs ? { all: { trafficType: ec2.FlowLogTrafficType.REJECT } } : {},
  });
  // One group for every interface endpoint: HTTPS from inside the VPC, nothing else.
  const endpoints = new ec2.SecurityGroup(scope, 'EndpointSecurityGroup', {
    vpc,
    description: `${props.owner} VPC endpoints: HTTPS from the VPC only`,
    allowAllOutbound: false,
  });
  endpoints.addIngressRule(ec2.Peer.ipv4(props.cidr), ec2.Port.tcp(443), 'HTTPS from the VPC');
  const services: Record<string, ec2.InterfaceVpcEndpointAwsService> = {
    EcrApi: ec2.InterfaceVpcEndpointAwsService.ECR,
    EcrDocker: ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
    Logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
    ...props.interfaceEndpoints,
  };
  for (const [id, service] of Object.entries(services)) {
    vpc.addInterfaceEndpoint(id, {
      service,
      privateDnsEnabled: true,
      open: false,
      securityGroups: [endpoints],
      subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    });
  }
  if (!props.flowLogs) {
    acknowledge(vpc, { rule: 'AwsSolutions-VPC7', reason: 'Flow logs turned off by the deployer (flowLogs: false)' });
  }
  return vpc;
}
