import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { delimiter, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/**
 * A workload's "Copy it" recipe, read from its README: the files a user copies into a new
 * folder, and the package.json and tsconfig.json they put beside them. The copy test runs
 * exactly that, so the README cannot drift from what works.
 */
export const ROOT = join(import.meta.dirname, '..', '..');

export interface PackageJson {
  type?: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

export interface Recipe {
  workload: string;
  /** As the README names them: relative to the app's folder or, failing that, the repository root. */
  paths: string[];
  packageJson: PackageJson;
  tsconfig: unknown;
}

/** The steps the README lists after the copy, as package.json scripts. */
export const STEPS = ['typecheck', 'build', 'test'] as const;

export function readRecipe(workload: string, readme?: string): Recipe {
  const where = `apps/${workload}/README.md`;
  const text = readme ?? readFileSync(join(ROOT, where), 'utf8');
  const section = text.split(/^## /m).find((s) => s.startsWith('Copy it\n'));
  if (!section) throw new Error(`${where} has no "## Copy it" section`);
  const sentence = /Copy (.*?) into /s.exec(section)?.[1];
  if (!sentence) throw new Error(`${where}: "Copy it" does not start with "Copy \`...\` into"`);
  const paths = [...sentence.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
  const block = (name: string) => {
    const m = new RegExp(`\`\`\`json ${name.replace('.', '\\.')}\\n([\\s\\S]*?)\\n\`\`\``).exec(section);
    if (!m?.[1]) throw new Error(`${where}: "Copy it" has no \`\`\`json ${name} block`);
    return JSON.parse(m[1]) as unknown;
  };
  return { workload, paths, packageJson: block('package.json') as PackageJson, tsconfig: block('tsconfig.json') };
}

/** Where a recipe path is in this repository. */
export function sourceOf(workload: string, path: string): string {
  const inApp = join(ROOT, 'apps', workload, path);
  return existsSync(inApp) ? inApp : join(ROOT, path);
}

/** Copies the recipe's files into `dir` and writes its package.json and tsconfig.json. */
export function materialize(recipe: Recipe, dir: string): void {
  for (const path of recipe.paths) {
    const from = sourceOf(recipe.workload, path);
    if (!existsSync(from))
      throw new Error(`apps/${recipe.workload}/README.md says to copy ${path}, which does not exist`);
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    cpSync(from, join(dir, path), { recursive: true });
  }
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(recipe.packageJson, null, 2)}\n`);
  writeFileSync(join(dir, 'tsconfig.json'), `${JSON.stringify(recipe.tsconfig, null, 2)}\n`);
}

/**
 * Every import of every .ts file under `dir` that a copier's project cannot satisfy: a
 * relative path leaving `dir` or naming a file that was not copied, or a package that is
 * neither built into Node nor in package.json (types-only imports such as 'aws-lambda' are
 * satisfied by the matching @types package).
 */
export function importProblems(dir: string): string[] {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
  const declared = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})]);
  const problems: string[] = [];
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter(
    (f) => /\.[cm]?ts$/.test(f) && !f.split(/[\\/]/).includes('node_modules'),
  );
  for (const file of files.sort()) {
    const full = join(dir, file);
    for (const { fileName: spec } of ts.preProcessFile(readFileSync(full, 'utf8'), true, true).importedFiles) {
      if (spec.startsWith('.') || isAbsolute(spec)) {
        const target = resolve(dirname(full), spec);
        const rel = relative(dir, target);
        if (rel.startsWith('..') || isAbsolute(rel))
          problems.push(`${file} imports '${spec}', outside the copied files`);
        else if (!existsSync(target)) problems.push(`${file} imports '${spec}', which is not among the copied files`);
        continue;
      }
      const name = packageName(spec);
      if (spec.startsWith('node:') || builtinModules.includes(name)) continue;
      if (declared.has(name) || declared.has(typesPackage(name))) continue;
      problems.push(`${file} imports '${spec}', but ${name} is not in the README's package.json`);
    }
  }
  return problems;
}

function packageName(spec: string): string {
  const parts = spec.split('/');
  return (spec.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

function typesPackage(name: string): string {
  return `@types/${name.startsWith('@') ? name.slice(1).replace('/', '__') : name}`;
}

/** importer (".", "apps/x", ...) -> package -> the version pnpm-lock.yaml resolved. */
export function lockedVersions(
  lock = readFileSync(join(ROOT, 'pnpm-lock.yaml'), 'utf8'),
): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  let inImporters = false;
  let importer: Map<string, string> | undefined;
  let pkg: string | undefined;
  for (const line of lock.split('\n')) {
    if (/^\S/.test(line)) {
      inImporters = line === 'importers:';
      continue;
    }
    if (!inImporters) continue;
    let m = /^ {2}(\S.*):$/.exec(line);
    if (m?.[1]) {
      importer = new Map();
      out.set(unquote(m[1]), importer);
      continue;
    }
    m = /^ {6}(\S.*):$/.exec(line);
    if (m?.[1]) {
      pkg = unquote(m[1]);
      continue;
    }
    m = /^ {8}version: (\S+)/.exec(line);
    if (m?.[1] && pkg && importer) importer.set(pkg, (m[1].split('(')[0] as string).replace(/^'|'$/g, ''));
  }
  return out;
}

const unquote = (s: string) => s.replace(/^'(.*)'$/, '$1');

/**
 * What makes a recipe's package.json wrong for this repository: its dependencies must be the
 * app's own `dependencies`, each at the version the lockfile resolved for the app; its
 * devDependencies at a version the lockfile resolved somewhere in the workspace; and it has the
 * scripts the README's steps run.
 */
export function packageProblems(recipe: Recipe, locked = lockedVersions()): string[] {
  const app = `apps/${recipe.workload}`;
  const own = JSON.parse(readFileSync(join(ROOT, app, 'package.json'), 'utf8')) as PackageJson;
  const problems: string[] = [];
  const deps = recipe.packageJson.dependencies ?? {};
  const wanted = Object.keys(own.dependencies ?? {}).sort();
  if (JSON.stringify(Object.keys(deps).sort()) !== JSON.stringify(wanted)) {
    problems.push(
      `dependencies are ${Object.keys(deps).sort().join(', ')}; ${app}/package.json has ${wanted.join(', ')}`,
    );
  }
  for (const [name, version] of Object.entries(deps)) {
    const lockedVersion = locked.get(app)?.get(name);
    if (version !== lockedVersion) problems.push(`${name}@${version}, the lockfile has ${lockedVersion} for ${app}`);
  }
  for (const [name, version] of Object.entries(recipe.packageJson.devDependencies ?? {})) {
    const everywhere = new Set([...locked.values()].map((m) => m.get(name)).filter(Boolean));
    const preferred = locked.get(app)?.get(name);
    if (preferred ? version !== preferred : !everywhere.has(version)) {
      problems.push(`${name}@${version}, the lockfile has ${preferred ?? ([...everywhere].join(', ') || 'none')}`);
    }
  }
  for (const step of STEPS) {
    if (!recipe.packageJson.scripts?.[step]) problems.push(`no "${step}" script`);
  }
  if (recipe.packageJson.type !== 'module') problems.push('"type" is not "module"');
  return problems;
}

/**
 * A `docker build -f <Dockerfile> ... <context>` script: every COPY source of the Dockerfile
 * (other than from a stage) must be in the context the build step wrote.
 */
export function imageContextProblems(dir: string, script: string): string[] {
  const m = /docker build .*-f (\S+).* (\S+)$/.exec(script);
  if (!m?.[1] || !m[2]) return [`cannot read the Dockerfile and context from "${script}"`];
  const [dockerfile, context] = [join(dir, m[1]), join(dir, m[2])];
  if (!existsSync(dockerfile)) return [`${m[1]} was not copied`];
  const problems: string[] = [];
  for (const line of readFileSync(dockerfile, 'utf8').split('\n')) {
    const copy = /^COPY\s+(.*)$/.exec(line.trim());
    if (!copy?.[1] || copy[1].includes('--from=')) continue;
    const args = copy[1].split(/\s+/).filter((a) => !a.startsWith('--'));
    for (const source of args.slice(0, -1)) {
      if (!existsSync(join(context, source))) problems.push(`${m[1]} copies ${source}, which is not in ${m[2]}`);
    }
  }
  return problems;
}

export interface Ran {
  ms: number;
  output: string;
}

/**
 * Runs a command in a copier's folder with an environment that cannot reach this workspace:
 * no npm_* / pnpm settings of the calling pnpm and no workspace node_modules/.bin on PATH, so a
 * tool the recipe forgot to list is missing instead of borrowed.
 */
export function run(cmd: string, args: string[], cwd: string): Promise<Ran> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(npm_|pnpm_|PNPM_|VITEST|NODE_OPTIONS$|INIT_CWD$)/.test(k)) continue;
    env[k] = v;
  }
  env.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((p) => !p.startsWith(ROOT))
    .join(delimiter);
  env.CI = 'true';
  const start = performance.now();
  return new Promise((done, fail) => {
    execFile(cmd, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      const ms = performance.now() - start;
      if (error) fail(new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${output.slice(-6000)}`));
      else done({ ms, output });
    });
  });
}
