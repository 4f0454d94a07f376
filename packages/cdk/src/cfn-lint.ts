import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * AWS's CloudFormation linter (PyPI `cfn-lint`; the npm package of that name is another
 * tool), pinned with what it installs so every machine lints with the same rules.
 */
export const CFN_LINT_PACKAGES = [
  'cfn-lint==1.58.0',
  'jsonpatch==1.48',
  'jsonpointer==3.12',
  'mpmath==1.3.0',
  'networkx==3.6.1',
  'PyYAML==6.0.4',
  'regex==2026.11.19',
  'sympy==1.14.0',
  'typing_extensions==4.16.0',
];

/**
 * Findings acknowledged for every stack, each with its reason. Anything else cfn-lint reports
 * (errors and warnings alike) fails the stack's test.
 */
export const CFN_LINT_ACKNOWLEDGED: { rule: string; reason: string }[] = [
  {
    rule: 'W3005',
    reason:
      "CDK adds DependsOn on a function's role beside the GetAtt of it, so that the role's inline policy " +
      'exists before the function; CloudFormation accepts the redundant edge and the order is the same',
  },
  {
    rule: 'W3010',
    reason:
      'A CDK VPC in a stack with an explicit account and region names its availability zones at synthesis ' +
      '(looked up once and kept in cdk.context.json) so that its subnets never move between deployments',
  },
];

export interface CfnLintFinding {
  rule: string;
  level: string;
  message: string;
  resource: string;
}

interface CfnLintJson {
  Rule: { Id: string };
  Level: string;
  Message: string;
  Location: { Path?: (string | number)[] };
}

/** Creates (once per package set) a virtualenv holding the pinned cfn-lint and returns its launcher. */
export function installCfnLint(
  cacheDir = process.env.AWS_SAMPLES_CACHE ?? join(homedir(), '.cache', 'aws-compute-samples'),
  python = process.env.CFN_LINT_PYTHON ?? 'python3',
): string {
  const venv = join(cacheDir, 'cfn-lint');
  const bin = join(venv, 'bin', 'cfn-lint');
  const marker = join(venv, '.installed');
  const wanted = CFN_LINT_PACKAGES.join(' ');
  const ready = () => existsSync(bin) && existsSync(marker) && readFileSync(marker, 'utf8') === wanted;
  if (ready()) return bin;
  mkdirSync(cacheDir, { recursive: true });
  // Stack tests run in parallel workers: one installs, the others wait for its marker.
  const lock = `${venv}.lock`;
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (ready()) return bin;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock} (remove it if no install is running)`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
  try {
    if (!ready()) {
      run(python, ['-m', 'venv', '--clear', venv], 60_000);
      run(
        join(venv, 'bin', 'pip'),
        ['install', '--quiet', '--disable-pip-version-check', ...CFN_LINT_PACKAGES],
        300_000,
      );
      writeFileSync(marker, wanted);
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  return bin;
}

/**
 * Lints a synthesized template for the region it is deployed to and returns what is not
 * acknowledged in `CFN_LINT_ACKNOWLEDGED`, as "rule level at resource: message" lines.
 */
export function cfnLint(template: unknown, region: string): string[] {
  const bin = installCfnLint();
  const dir = mkdtempSync(join(tmpdir(), 'cfn-lint-'));
  try {
    const file = join(dir, 'template.json');
    writeFileSync(file, JSON.stringify(template));
    // Exit codes are a bit mask of the levels found (2 error, 4 warning, 8 informational); 1 is a crash.
    const r = spawnSync(bin, ['--format', 'json', '--regions', region, '--', file], {
      encoding: 'utf8',
      timeout: 120_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    if (r.error || r.status === 1 || r.status === null) {
      throw new Error(`cfn-lint failed to run: ${r.error?.message ?? r.stderr.trim()}`);
    }
    const acknowledged = new Set(CFN_LINT_ACKNOWLEDGED.map((a) => a.rule));
    return (JSON.parse(r.stdout || '[]') as CfnLintJson[])
      .map((f) => ({
        rule: f.Rule.Id,
        level: f.Level,
        message: f.Message,
        resource: f.Location.Path?.[0] === 'Resources' ? String(f.Location.Path[1]) : (f.Location.Path ?? []).join('/'),
      }))
      .filter((f: CfnLintFinding) => !acknowledged.has(f.rule))
      .map((f) => `${f.rule} ${f.level} at ${f.resource}: ${f.message}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(cmd: string, args: string[], timeout: number): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout });
  if (r.error || r.status !== 0) {
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-5).join('\n');
    throw new Error(`\`${cmd} ${args.join(' ')}\` failed: ${r.error?.message ?? out}`);
  }
}
