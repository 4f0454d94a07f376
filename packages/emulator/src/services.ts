/** AWS services a workload test may need from the emulator. */
export const SERVICES = [
  /** API Gateway REST APIs (v1). */
  'apigateway',
  /** API Gateway HTTP APIs (v2). */
  'apigatewayv2',
  'cloudformation',
  /** Lambda-backed custom resources (Custom::*, such as CDK's bucket-notification handler). */
  'cloudformation-custom-resources',
  'dynamodb',
  'ecs',
  'events',
  'iam',
  /**
   * Not a service: the backend evaluates the IAM policies of every call (roles, resource
   * policies, explicit denies) and denies what they do not allow, as AWS does.
   */
  'iam-enforcement',
  'lambda',
  'logs',
  's3',
  'sagemaker-runtime',
  'sns',
  'sqs',
  'stepfunctions',
  'sts',
] as const;

export type Service = (typeof SERVICES)[number];

export type BackendName = 'ministack' | 'localstack' | 'external';

const CORE: Service[] = [
  'cloudformation',
  'dynamodb',
  'events',
  'iam',
  'lambda',
  'logs',
  's3',
  'sns',
  'sqs',
  'stepfunctions',
  'sts',
  'apigateway',
];

/** What ministack serves and LocalStack's community code does not (besides ECS). */
const BEYOND_LOCALSTACK: Service[] = ['apigatewayv2', 'cloudformation-custom-resources'];

/**
 * What each backend serves. ministack has no SageMaker at all and runs ECS tasks
 * as containers only when it can reach a Docker engine. LocalStack's community code
 * (4.14.0) has no ECS, no SageMaker and no API Gateway HTTP APIs (v2): those answer 501
 * "not included in your current license plan", and its CloudFormation has no provider for
 * custom resources (it marks them created without calling them). It runs Lambda functions in Docker,
 * which it always has (the harness mounts the socket). ministack enforces IAM when asked
 * (`AUTH=true`, the harness's default); LocalStack's community code never does.
 */
export function servicesOf(
  backend: BackendName,
  opts: { docker: boolean; declared?: string | undefined; enforceIam?: boolean },
): Service[] {
  switch (backend) {
    case 'ministack':
      return [
        ...CORE,
        ...BEYOND_LOCALSTACK,
        ...(opts.docker ? (['ecs'] as const) : []),
        ...(opts.enforceIam ? (['iam-enforcement'] as const) : []),
      ];
    case 'localstack':
      return [...CORE];
    case 'external':
      return parseServiceList(opts.declared) ?? [...CORE, ...BEYOND_LOCALSTACK];
  }
}

/** Parses a comma separated list such as `AWS_EMULATOR_SERVICES=s3,sqs,ecs`. */
export function parseServiceList(value: string | undefined): Service[] | undefined {
  if (!value?.trim()) return undefined;
  const names = value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const unknown = names.filter((n) => !(SERVICES as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw new Error(
      `Unknown service(s) in AWS_EMULATOR_SERVICES: ${unknown.join(', ')} (known: ${SERVICES.join(', ')})`,
    );
  }
  return names as Service[];
}
