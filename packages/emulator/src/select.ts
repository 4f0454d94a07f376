import type { HarnessConfig } from './config.ts';
import { LOCALSTACK_IMAGE, LOCALSTACK_LOCAL_IMAGE, MINISTACK_VERSION } from './config.ts';

/** One way to start an emulator, in the order the harness tries them. */
export type Attempt =
  | { backend: 'ministack'; mode: 'container'; image: string; pull: boolean }
  | { backend: 'ministack'; mode: 'process'; python: string }
  | { backend: 'localstack'; image: string; token: string | undefined; pull: boolean }
  | { backend: 'external'; endpoint: string };

/** What the machine offers, found by quick probes (each answers in milliseconds). */
export interface Probes {
  docker: { ok: true } | { ok: false; reason: string };
  imagePresent: (image: string) => boolean;
  python: { ok: true } | { ok: false; reason: string };
}

/** A way that was ruled out before trying, with the reason. */
export interface Ruled {
  label: string;
  reason: string;
}

export interface Plan {
  attempts: Attempt[];
  ruledOut: Ruled[];
}

export function describeAttempt(a: Attempt): string {
  switch (a.backend) {
    case 'ministack':
      return a.mode === 'container'
        ? `ministack container (${a.image}${a.pull ? ', pull' : ', local image'})`
        : `ministack process (PyPI release ${MINISTACK_VERSION}, ${a.python})`;
    case 'localstack':
      return `localstack container (${a.image}${a.pull ? ', pull' : ', local image'})`;
    case 'external':
      return `external emulator at ${a.endpoint}`;
  }
}

/**
 * Decides, without starting anything, which backends to try and in which order.
 *
 * `auto` prefers ministack: its container when the pinned image is already on the
 * Docker host, else the pinned PyPI release as a local process (needs Python 3), else
 * the container image pulled from the registry; then LocalStack when its image is on
 * the host. `external` is never picked by `auto`.
 */
export function plan(config: HarnessConfig, probes: Probes): Plan {
  const attempts: Attempt[] = [];
  const ruledOut: Ruled[] = [];
  const wantMinistack = config.choice === 'auto' || config.choice === 'ministack';
  const wantLocalstack = config.choice === 'auto' || config.choice === 'localstack';

  if (config.choice === 'external') {
    if (config.externalEndpoint) {
      attempts.push({ backend: 'external', endpoint: config.externalEndpoint });
    } else {
      ruledOut.push({ label: 'external emulator', reason: 'AWS_EMULATOR=external needs AWS_ENDPOINT_URL' });
    }
    return { attempts, ruledOut };
  }

  if (wantMinistack) {
    const containerLabel = `ministack container (${config.ministackImage})`;
    const processLabel = `ministack process (PyPI release ${MINISTACK_VERSION})`;
    const allowContainer = config.ministackMode !== 'process';
    const allowProcess = config.ministackMode !== 'container';
    const local = probes.docker.ok && probes.imagePresent(config.ministackImage);
    if (allowContainer && local) {
      attempts.push({ backend: 'ministack', mode: 'container', image: config.ministackImage, pull: false });
    }
    if (allowProcess) {
      if (probes.python.ok) attempts.push({ backend: 'ministack', mode: 'process', python: config.python });
      else ruledOut.push({ label: processLabel, reason: probes.python.reason });
    }
    if (allowContainer && !local) {
      if (probes.docker.ok) {
        attempts.push({ backend: 'ministack', mode: 'container', image: config.ministackImage, pull: true });
      } else {
        ruledOut.push({ label: containerLabel, reason: probes.docker.reason });
      }
    }
  }

  if (wantLocalstack) {
    const image = config.localstackImage;
    const label = `localstack container (${image})`;
    const missingToken = needsToken(image) && !config.localstackToken;
    if (!probes.docker.ok) {
      ruledOut.push({ label, reason: probes.docker.reason });
    } else if (missingToken && config.choice === 'localstack') {
      ruledOut.push({
        label,
        reason: `images newer than ${LOCALSTACK_IMAGE} exit with code 55 without LOCALSTACK_AUTH_TOKEN`,
      });
    } else if (config.choice === 'localstack' || probes.imagePresent(image)) {
      attempts.push({
        backend: 'localstack',
        image,
        token: config.localstackToken,
        pull: !probes.imagePresent(image),
      });
    } else {
      ruledOut.push({ label, reason: 'image not on the Docker host (auto does not pull LocalStack)' });
    }
  }
  return { attempts, ruledOut };
}

/**
 * Whether an image is one of LocalStack's published images that exit with code 55 without
 * LOCALSTACK_AUTH_TOKEN: `localstack/localstack` tagged newer than 4.14.0 (or not by version,
 * such as `latest`) and every `localstack/localstack-pro`. An image of another repository, such
 * as a local build of the community code (`.ci/images/localstack.Dockerfile`), is started as given.
 */
export function needsToken(image: string): boolean {
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  const repo = (colon > slash ? image.slice(0, colon) : image).replace(/^(docker\.io|index\.docker\.io)\//, '');
  const tag = colon > slash ? image.slice(colon + 1) : 'latest';
  if (repo === 'localstack/localstack-pro') return true;
  if (repo !== 'localstack/localstack') return false;
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?$/.exec(tag);
  if (!m) return true;
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  return major * 1e6 + minor * 1e3 + patch > 4_014_000;
}

/** The message for a run where no backend could start: what was tried and how to fix it. */
export function unavailableMessage(
  config: HarnessConfig,
  ruledOut: Ruled[],
  failed: { label: string; error: string }[],
): string {
  const lines = [`No AWS emulator could be started (AWS_EMULATOR=${config.choice}).`, 'Tried:'];
  for (const r of ruledOut) lines.push(`  - ${r.label}: not possible: ${r.reason}`);
  for (const f of failed) lines.push(`  - ${f.label}: failed: ${f.error}`);
  if (ruledOut.length === 0 && failed.length === 0) lines.push('  (nothing)');
  lines.push(
    'Fix one of:',
    `  - install Python 3 with venv (Debian: apt-get install python3-venv); the harness installs ministack from PyPI into ${config.cacheDir}`,
    '  - start a Docker engine (`docker info` must answer) and let it pull ministackorg/ministack, or build that image locally',
    `  - LocalStack: AWS_EMULATOR=localstack (uses ${LOCALSTACK_IMAGE}, or LOCALSTACK_IMAGE: a local build such as ${LOCALSTACK_LOCAL_IMAGE} from .ci/images/localstack/build.sh, or a current image with LOCALSTACK_AUTH_TOKEN)`,
    '  - an emulator you run yourself: AWS_EMULATOR=external AWS_ENDPOINT_URL=http://localhost:4566',
  );
  return lines.join('\n');
}
