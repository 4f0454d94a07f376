import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { composeFile, interpolate, readComposeService } from './compose.ts';
import { DEFAULT_REGION, LOCALSTACK_IMAGE, MINISTACK_IMAGE } from './config.ts';
import { REPO_ROOT } from './paths.ts';

const file = composeFile(REPO_ROOT);

describe('localstack/compose.yaml', () => {
  it("pins the harness's images and region by default", () => {
    expect(readComposeService(file, 'ministack').image).toBe(MINISTACK_IMAGE);
    expect(readComposeService(file, 'localstack').image).toBe(LOCALSTACK_IMAGE);
    // IAM enforced unless MINISTACK_AUTH says otherwise, as in the harness.
    expect(readComposeService(file, 'ministack').environment).toEqual({
      MINISTACK_REGION: DEFAULT_REGION,
      AUTH: 'true',
    });
    expect(readComposeService(file, 'ministack', { MINISTACK_AUTH: 'false' }).environment.AUTH).toBe('false');
    expect(readComposeService(file, 'localstack').environment).toEqual({
      AWS_DEFAULT_REGION: DEFAULT_REGION,
      LOCALSTACK_AUTH_TOKEN: '',
      GATEWAY_LISTEN: '0.0.0.0:4566',
      LOCALSTACK_HOST: '127.0.0.1:4566',
      SQS_ENDPOINT_STRATEGY: 'dynamic',
      LAMBDA_REMOVE_CONTAINERS: '1',
    });
  });

  it('mounts the Docker socket and the init hooks into both emulators', () => {
    for (const service of ['ministack', 'localstack']) {
      const { binds } = readComposeService(file, service);
      expect(binds).toContainEqual({ source: '/var/run/docker.sock', target: '/var/run/docker.sock', mode: 'rw' });
      const hooks = binds.find((b) => b.target === '/etc/localstack/init/ready.d');
      expect(hooks?.mode).toBe('ro');
      expect(existsSync(hooks?.source ?? '')).toBe(true);
    }
  });

  it('takes the image, region and token from the variables, as Compose takes them from the shell', () => {
    const s = readComposeService(file, 'localstack', {
      LOCALSTACK_IMAGE: 'localstack/localstack:9',
      AWS_REGION: 'eu-west-1',
      LOCALSTACK_AUTH_TOKEN: 'tok',
      EMULATOR_PORT: '4601',
    });
    expect(s.image).toBe('localstack/localstack:9');
    expect(s.environment).toMatchObject({ AWS_DEFAULT_REGION: 'eu-west-1', LOCALSTACK_AUTH_TOKEN: 'tok' });
    // One port inside and out, so the URLs LocalStack writes (queue URLs) work from the host.
    expect(s.environment).toMatchObject({ GATEWAY_LISTEN: '0.0.0.0:4601', LOCALSTACK_HOST: '127.0.0.1:4601' });
  });

  it('refuses a service it does not have', () => {
    expect(() => readComposeService(file, 'nope')).toThrow(/no service "nope"/);
  });
});

describe('interpolate', () => {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Compose's syntax, not a template literal
  const text = '${A:-x} ${A-x} ${A}';
  it("follows Compose's rules for unset and empty variables", () => {
    expect(interpolate(text, {})).toBe('x x ');
    expect(interpolate(text, { A: '' })).toBe('x  ');
    expect(interpolate(text, { A: 'v' })).toBe('v v v');
  });
});
