import { describe, expect, it } from 'vitest';
import { LOCALSTACK_IMAGE, MINISTACK_IMAGE, MINISTACK_VERSION, readConfig } from './config.ts';
import { toContainerEndpoint } from './index.ts';
import { firstHost } from './probes.ts';
import { describeAttempt, needsToken, type Probes, plan, unavailableMessage } from './select.ts';
import { parseServiceList, servicesOf } from './services.ts';

const docker = (ok: boolean): Probes['docker'] => (ok ? { ok: true } : { ok: false, reason: 'no Docker engine' });
const python = (ok: boolean): Probes['python'] => (ok ? { ok: true } : { ok: false, reason: 'python3 not found' });
const probes = (p: { docker?: boolean; python?: boolean; images?: string[] }): Probes => ({
  docker: docker(p.docker ?? false),
  python: python(p.python ?? false),
  imagePresent: (i) => (p.images ?? []).includes(i),
});
const cfg = (env: Record<string, string> = {}) => readConfig(env, '/home/u');

describe('readConfig', () => {
  it('defaults to auto, us-east-1 and the pinned images', () => {
    const c = cfg();
    expect(c).toMatchObject({ choice: 'auto', region: 'us-east-1', ministackMode: 'auto', python: 'python3' });
    expect(c.localstackImage).toBe(LOCALSTACK_IMAGE);
    expect(c.ministackImage).toBe(MINISTACK_IMAGE);
    expect(c.cacheDir).toBe('/home/u/.cache/aws-compute-samples');
  });
  it('rejects an unknown backend with the accepted names', () => {
    expect(() => cfg({ AWS_EMULATOR: 'moto' })).toThrow(/auto, ministack, localstack, external/);
  });
  it('reads region, images and mode from the environment', () => {
    const c = cfg({ AWS_EMULATOR: 'LocalStack', AWS_REGION: 'eu-west-1', MINISTACK_MODE: 'process' });
    expect(c).toMatchObject({ choice: 'localstack', region: 'eu-west-1', ministackMode: 'process' });
  });
});

describe('plan', () => {
  it('auto with the ministack image on the host: container first, then the process', () => {
    const p = plan(cfg(), probes({ docker: true, python: true, images: [MINISTACK_IMAGE] }));
    expect(p.attempts.map(describeAttempt)).toEqual([
      `ministack container (${MINISTACK_IMAGE}, local image)`,
      `ministack process (PyPI release ${MINISTACK_VERSION}, python3)`,
    ]);
  });
  it('auto without the image: the process first, then a pull, LocalStack only if its image is there', () => {
    const p = plan(cfg(), probes({ docker: true, python: true }));
    expect(p.attempts.map((a) => a.backend + ('mode' in a ? `:${a.mode}` : ''))).toEqual([
      'ministack:process',
      'ministack:container',
    ]);
    expect(p.ruledOut.map((r) => r.reason)).toEqual(['image not on the Docker host (auto does not pull LocalStack)']);
    const withLs = plan(cfg(), probes({ docker: true, python: false, images: [LOCALSTACK_IMAGE] }));
    expect(withLs.attempts.map((a) => a.backend)).toEqual(['ministack', 'localstack']);
  });
  it('auto with neither Docker nor Python: nothing to try, every reason kept', () => {
    const c = cfg();
    const p = plan(c, probes({}));
    expect(p.attempts).toEqual([]);
    expect(p.ruledOut).toHaveLength(3);
    const msg = unavailableMessage(c, p.ruledOut, []);
    expect(msg).toContain('No AWS emulator could be started (AWS_EMULATOR=auto)');
    expect(msg).toContain('python3 not found');
    expect(msg).toContain('no Docker engine');
    expect(msg).toContain('AWS_EMULATOR=external AWS_ENDPOINT_URL=');
  });
  it('MINISTACK_MODE=process never tries a container', () => {
    const p = plan(
      cfg({ MINISTACK_MODE: 'process' }),
      probes({ docker: true, python: true, images: [MINISTACK_IMAGE] }),
    );
    expect(p.attempts).toEqual([{ backend: 'ministack', mode: 'process', python: 'python3' }]);
  });
  it('localstack: a current image without a token is ruled out with the reason', () => {
    const c = cfg({ AWS_EMULATOR: 'localstack', LOCALSTACK_IMAGE: 'localstack/localstack:2026.11' });
    const p = plan(c, probes({ docker: true }));
    expect(p.attempts).toEqual([]);
    expect(p.ruledOut[0]?.reason).toMatch(/code 55 without LOCALSTACK_AUTH_TOKEN/);
  });
  it('localstack: the pinned image is pulled when missing; a token allows a current image', () => {
    expect(plan(cfg({ AWS_EMULATOR: 'localstack' }), probes({ docker: true })).attempts).toEqual([
      { backend: 'localstack', image: LOCALSTACK_IMAGE, token: undefined, pull: true },
    ]);
    const c = cfg({
      AWS_EMULATOR: 'localstack',
      LOCALSTACK_IMAGE: 'localstack/localstack:2026.11',
      LOCALSTACK_AUTH_TOKEN: 't',
    });
    expect(plan(c, probes({ docker: true })).attempts[0]).toMatchObject({ token: 't', pull: true });
  });
  it('localstack: an image built from the community code runs without a token', () => {
    // .ci/images/localstack.Dockerfile: localstack-core 4.14.0 under the project's own tag.
    const c = cfg({ AWS_EMULATOR: 'localstack', LOCALSTACK_IMAGE: 'aws-compute-samples/localstack:4.14.0' });
    const p = plan(c, probes({ docker: true, images: ['aws-compute-samples/localstack:4.14.0'] }));
    expect(p.ruledOut).toEqual([]);
    expect(p.attempts).toEqual([
      { backend: 'localstack', image: 'aws-compute-samples/localstack:4.14.0', token: undefined, pull: false },
    ]);
  });
  it('localstack: only tags of the published image newer than 4.14.0 need a token', () => {
    for (const image of [
      'localstack/localstack:4.14.0',
      'localstack/localstack:4.13.1',
      'docker.io/localstack/localstack:3.8',
    ]) {
      expect(needsToken(image), image).toBe(false);
    }
    for (const image of [
      'localstack/localstack',
      'localstack/localstack:latest',
      'localstack/localstack:4.15.0',
      'localstack/localstack:2026.3.0',
      'localstack/localstack-pro:4.14.0',
    ]) {
      expect(needsToken(image), image).toBe(true);
    }
    expect(needsToken('registry.example.com:5000/team/localstack:4.14.0')).toBe(false);
  });
  it('external needs AWS_ENDPOINT_URL', () => {
    expect(plan(cfg({ AWS_EMULATOR: 'external' }), probes({})).ruledOut[0]?.reason).toMatch(/needs AWS_ENDPOINT_URL/);
    expect(
      plan(cfg({ AWS_EMULATOR: 'external', AWS_ENDPOINT_URL: 'http://localhost:4566' }), probes({})).attempts,
    ).toEqual([{ backend: 'external', endpoint: 'http://localhost:4566' }]);
  });
});

describe('services', () => {
  it('ministack has ECS only with a Docker engine; nobody free has SageMaker', () => {
    expect(servicesOf('ministack', { docker: true })).toContain('ecs');
    expect(servicesOf('ministack', { docker: false })).not.toContain('ecs');
    expect(servicesOf('localstack', { docker: true })).not.toContain('ecs');
    for (const b of ['ministack', 'localstack'] as const) {
      expect(servicesOf(b, { docker: true })).not.toContain('sagemaker-runtime');
    }
  });
  it('LocalStack 4.14.0 community serves API Gateway REST APIs (v1) but not HTTP APIs (v2)', () => {
    // Its apigatewayv2 provider answers 501 "not included in your current license plan".
    expect(servicesOf('localstack', { docker: true })).toContain('apigateway');
    expect(servicesOf('localstack', { docker: true })).not.toContain('apigatewayv2');
    expect(servicesOf('ministack', { docker: false })).toEqual(expect.arrayContaining(['apigateway', 'apigatewayv2']));
  });
  it('LocalStack 4.14.0 community runs no CloudFormation custom resources (Custom::*)', () => {
    // Its community CloudFormation has no provider for AWS::CloudFormation::CustomResource: it logs
    // "No resource provider found" and marks the resource created without calling its ServiceToken.
    expect(servicesOf('localstack', { docker: true })).not.toContain('cloudformation-custom-resources');
    expect(servicesOf('ministack', { docker: true })).toContain('cloudformation-custom-resources');
  });
  it('IAM is enforced on ministack by default, never on LocalStack community, and can be turned off', () => {
    expect(cfg().enforceIam).toBe(true);
    expect(cfg({ AWS_EMULATOR_IAM: 'off' }).enforceIam).toBe(false);
    expect(() => cfg({ AWS_EMULATOR_IAM: 'maybe' })).toThrow(/AWS_EMULATOR_IAM=maybe/);
    expect(servicesOf('ministack', { docker: true, enforceIam: true })).toContain('iam-enforcement');
    expect(servicesOf('ministack', { docker: true, enforceIam: false })).not.toContain('iam-enforcement');
    expect(servicesOf('localstack', { docker: true, enforceIam: true })).not.toContain('iam-enforcement');
  });
  it('an external emulator declares its services', () => {
    expect(servicesOf('external', { docker: false, declared: 's3, SQS' })).toEqual(['s3', 'sqs']);
    expect(() => parseServiceList('s3,glacier')).toThrow(/Unknown service\(s\).*glacier/);
  });
});

describe('toContainerEndpoint', () => {
  it('maps loopback to the bridge gateway and leaves other hosts alone', () => {
    expect(toContainerEndpoint('http://localhost:4566', '172.17.0.1')).toBe('http://172.17.0.1:4566');
    expect(toContainerEndpoint('http://127.0.0.1:4599/', '172.17.0.1')).toBe('http://172.17.0.1:4599');
    expect(toContainerEndpoint('http://emulator:4566', '172.17.0.1')).toBe('http://emulator:4566');
  });
});

describe('firstHost', () => {
  it('gives the first address of a subnet, the one Docker assigns its bridge', () => {
    expect(firstHost('172.17.0.0/16')).toBe('172.17.0.1');
    expect(firstHost('10.200.3.0/24')).toBe('10.200.3.1');
  });
});
