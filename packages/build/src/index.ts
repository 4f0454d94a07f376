import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { type BuildOptions, build } from 'esbuild';
import { type Zippable, zipSync } from 'fflate';

/**
 * Lets CommonJS dependencies call require() and read __filename / __dirname inside an ESM
 * bundle.
 */
export const NODE_ESM_BANNER = [
  "import { createRequire as __cr } from 'node:module';",
  "import { dirname as __dn } from 'node:path';",
  "import { fileURLToPath as __fu } from 'node:url';",
  'const require = __cr(import.meta.url);',
  'const __filename = __fu(import.meta.url);',
  'const __dirname = __dn(__filename);',
].join(' ');

/** esbuild for a Node 24 program: one ESM file, dependencies bundled, CommonJS interop. */
export async function bundleNode(entry: string, outfile: string, options: BuildOptions = {}): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    banner: { js: NODE_ESM_BANNER },
    logLevel: 'warning',
    ...options,
  });
}

export interface BundleOptions {
  /** The handler module, e.g. apps/image-resize/src/handler.ts. */
  entry: string;
  /** Where index.mjs and function.zip are written. */
  outdir: string;
  /**
   * Packages kept out of the bundle and copied into the zip's node_modules with their
   * dependencies, resolved from `resolveFrom` (native code such as sharp).
   */
  external?: string[];
  /** The package.json folder that `external` packages are resolved from. */
  resolveFrom?: string;
  minify?: boolean;
}

export interface Bundle {
  /** index.mjs */
  file: string;
  /** function.zip, ready for Lambda CreateFunction or a CDK asset. */
  zipFile: string;
  zip: Uint8Array;
  bytes: number;
}

// One fixed time on every zip entry: the same code gives the same bytes, hence the same CDK asset
// hash, and `cdk deploy` leaves an unchanged function alone.
const ZIP_MTIME = new Date('2026-01-01T00:00:00Z');

/**
 * esbuild for `nodejs24.x`: one ESM file, the AWS SDK bundled (the runtime's copy may
 * lag), its source map as a file beside it in the zip (stack traces name the sources when the
 * function runs with NODE_OPTIONS=--enable-source-maps, as BundledFunction sets; an inline map
 * would make the module Node parses at every cold start a third larger), and a zip next to it.
 */
export async function bundleLambda(opts: BundleOptions): Promise<Bundle> {
  mkdirSync(opts.outdir, { recursive: true });
  const file = join(opts.outdir, 'index.mjs');
  await bundleNode(opts.entry, file, {
    sourcemap: 'linked',
    sourcesContent: false,
    minify: opts.minify ?? false,
    external: opts.external ?? [],
  });
  const files: Zippable = { 'index.mjs': readFileSync(file), 'index.mjs.map': readFileSync(`${file}.map`) };
  for (const name of opts.external ?? []) {
    copyPackageTree(name, opts.resolveFrom ?? dirname(opts.entry), files, new Set());
  }
  // `pnpm dev` rebundles on every save and sets LAMBDA_ZIP_LEVEL=0: storing skips compressing the
  // native packages again (seconds for sharp), at the cost of a bigger zip it sends to the emulator.
  const level = process.env.LAMBDA_ZIP_LEVEL === '0' ? 0 : 6;
  const zip = zipSync(files, { level, mtime: ZIP_MTIME });
  const zipFile = join(opts.outdir, 'function.zip');
  writeFileSync(zipFile, zip);
  return { file, zipFile, zip, bytes: zip.byteLength };
}

/** Adds node_modules/<name>/** and, recursively, its dependencies and optional ones present on disk. */
function copyPackageTree(name: string, from: string, files: Zippable, seen: Set<string>): void {
  if (seen.has(name)) return;
  const dir = packageDir(name, from);
  if (!dir) return;
  seen.add(name);
  addDir(dir, `node_modules/${name}`, files);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
  };
  for (const dep of [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})]) {
    copyPackageTree(dep, dir, files, seen);
  }
}

function packageDir(name: string, from: string): string | undefined {
  const require = createRequire(join(realpathSync(from), 'package.json'));
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    // Packages without an exported package.json: walk up node_modules folders.
    let dir = realpathSync(from);
    for (;;) {
      const candidate = join(dir, 'node_modules', name);
      if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
      const parent = dirname(dir);
      if (parent === dir) return undefined;
      dir = parent;
    }
  }
}

function addDir(dir: string, prefix: string, files: Zippable): void {
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    const st = statSync(full);
    const rel = `${prefix}/${relative(dir, full)}`;
    if (st.isDirectory()) {
      if (entry === 'node_modules') continue;
      addDir(full, rel, files);
    } else {
      files[rel] = [readFileSync(full), { mtime: ZIP_MTIME }];
    }
  }
}
