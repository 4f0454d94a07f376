import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';

/** The harness's view of one service of `localstack/compose.yaml`. */
export interface ComposeService {
  /** The image with the defaults of its `${VAR:-default}` applied, or the values given. */
  image: string;
  environment: Record<string, string>;
  /** Bind mounts, sources made absolute (relative ones are relative to the compose file). */
  binds: { source: string; target: string; mode: 'ro' | 'rw' }[];
}

export function composeFile(repoRoot: string): string {
  return join(repoRoot, 'localstack', 'compose.yaml');
}

/** Compose's `${VAR}`, `${VAR:-default}` and `${VAR-default}`, from `vars` only. */
export function interpolate(text: string, vars: Record<string, string | undefined>): string {
  return text.replace(/\$\{(\w+)(?:(:?-)([^}]*))?\}/g, (_, name: string, op: string | undefined, fallback = '') => {
    const value = vars[name];
    if (op === ':-') return value ? value : fallback;
    if (op === '-') return value ?? fallback;
    return value ?? '';
  });
}

interface RawService {
  image?: string;
  environment?: Record<string, string | number | null> | string[];
  volumes?: string[];
}

/**
 * Reads a service of the compose file, so the harness starts the same image with the same
 * environment and mounts as `docker compose up` does. `vars` stands in for the shell
 * environment Compose would interpolate from.
 */
export function readComposeService(
  file: string,
  service: string,
  vars: Record<string, string | undefined> = {},
): ComposeService {
  const doc = parse(interpolate(readFileSync(file, 'utf8'), vars)) as { services?: Record<string, RawService> };
  const raw = doc.services?.[service];
  if (!raw?.image) throw new Error(`${file} has no service "${service}" with an image`);
  const environment: Record<string, string> = {};
  if (Array.isArray(raw.environment)) {
    for (const e of raw.environment) {
      const i = e.indexOf('=');
      if (i > 0) environment[e.slice(0, i)] = e.slice(i + 1);
    }
  } else {
    for (const [k, v] of Object.entries(raw.environment ?? {})) environment[k] = v === null ? '' : String(v);
  }
  const binds = (raw.volumes ?? []).map((v) => {
    const [source = '', target = '', mode = 'rw'] = v.split(':');
    return {
      source: isAbsolute(source) ? source : join(dirname(file), source),
      target,
      mode: mode === 'ro' ? ('ro' as const) : ('rw' as const),
    };
  });
  return { image: raw.image, environment, binds };
}
