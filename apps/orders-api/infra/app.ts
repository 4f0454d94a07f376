/**
 * The CDK app: `pnpm --filter @samples/orders-api synth | deploy | destroy`. Prepares the image's
 * build context first (one bundle), then synthesizes with cdk-nag; `cdk deploy` builds the
 * image and pushes it to the bootstrap repository. Deploy the order processor first: this
 * stack imports its exports (`-c processorStack=<name>`, default OrderProcessor).
 */
import { fileURLToPath } from 'node:url';
import { flowLogsOption, readOption, synthApp } from '@samples/cdk';
import { imageSource } from '../scripts/build.ts';
import { OrdersApiStack } from './stack.ts';

export async function stackProps() {
  return { image: await imageSource() };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const props = await stackProps();
  synthApp((app, id, env) => {
    const issuer = readOption(app, 'jwtIssuer', 'JWT_ISSUER');
    const jwksEndpoint = readOption(app, 'jwksEndpoint', 'JWKS_ENDPOINT');
    const rateLimit = readOption(app, 'rateLimitPerIp', 'RATE_LIMIT_PER_IP');
    return new OrdersApiStack(app, id ?? 'OrdersApi', {
      ...props,
      processorStack: readOption(app, 'processorStack', 'PROCESSOR_STACK'),
      certificateArn: readOption(app, 'certificateArn', 'CERTIFICATE_ARN'),
      jwt: issuer && jwksEndpoint ? { issuer, jwksEndpoint } : undefined,
      rateLimitPerIp: rateLimit === undefined ? undefined : Number(rateLimit),
      flowLogs: flowLogsOption(app),
      env,
    });
  });
}
