import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FaultReport } from './faults.ts';
import { REPO_ROOT } from './paths.ts';

/** One scenario of the reliability project: what was sent, what was injected, what came out. */
export interface ReliabilityRow {
  scenario: string;
  profile: string;
  /** Inputs sent: messages (valid, duplicates, poison), or uploads. */
  messages: number;
  duplicates: number;
  poison: number;
  /** Faults injected, e.g. `500 4, 503 3, throttling 5, reset 4, latency 6 (after the call: 7)`. */
  faults: string;
  /** Requests the SDKs marked as retries, as seen at the proxy. */
  retries: number;
  /** Inputs whose work is all done: orders stored, uploads with every rendition and no other. */
  stored: number;
  /** Orders with a notice; absent for a workload that announces nothing. */
  announced?: number;
  deadLettered: number;
  /** Valid orders not stored or not announced, plus poison messages not dead-lettered. */
  lost: number;
  /** Orders announced more than once (the extra notices), or stored twice. */
  twice: number;
  /** Valid inputs done per second. */
  perSecond: number;
  date: string;
}

export const RESULTS_DIR = join(REPO_ROOT, 'reliability-results');

const LABEL: Record<string, string> = {
  internal: '500',
  unavailable: '503',
  throttling: 'throttling',
  reset: 'reset',
  latency: 'latency',
};

/** The injected faults of a report, by kind over the named services, and how many came after the call. */
export function describeFaults(report: FaultReport): string {
  const byKind = new Map<string, number>();
  let after = 0;
  for (const c of Object.values(report.services)) {
    for (const [key, n] of Object.entries(c.injected)) {
      const [kind, when] = key.split(':') as [string, string];
      byKind.set(kind, (byKind.get(kind) ?? 0) + n);
      if (when === 'after') after += n;
    }
  }
  if (byKind.size === 0) return 'none';
  const parts = Object.keys(LABEL)
    .filter((k) => byKind.has(k))
    .map((k) => `${LABEL[k]} ${byKind.get(k)}`);
  return `${parts.join(', ')} (after the call: ${after})`;
}

export function retriesOf(report: FaultReport): number {
  return Object.values(report.services).reduce((n, c) => n + c.retries, 0);
}

const COLUMNS: [string, (r: ReliabilityRow) => string][] = [
  ['scenario', (r) => `${r.scenario} (${r.profile})`],
  ['inputs', (r) => String(r.messages)],
  ['duplicates', (r) => String(r.duplicates)],
  ['poison', (r) => String(r.poison)],
  ['faults injected', (r) => r.faults],
  ['retries seen', (r) => String(r.retries)],
  ['done', (r) => String(r.stored)],
  ['announced', (r) => (r.announced === undefined ? '-' : String(r.announced))],
  ['dead-lettered', (r) => String(r.deadLettered)],
  ['lost', (r) => String(r.lost)],
  ['twice', (r) => String(r.twice)],
  ['per s', (r) => r.perSecond.toFixed(1)],
];

export function renderTable(rows: ReliabilityRow[]): string {
  const head = `| ${COLUMNS.map(([h]) => h).join(' | ')} |`;
  const rule = `|${COLUMNS.map(([h]) => (h === 'scenario' || h === 'faults injected' ? ' --- ' : ' ---: ')).join('|')}|`;
  return [head, rule, ...rows.map((r) => `| ${COLUMNS.map(([, f]) => f(r)).join(' | ')} |`)].join('\n');
}

/**
 * Adds a scenario's row to reliability-results/ (results.json, and results.md as a Markdown
 * table), replacing an earlier row of the same scenario and profile, and returns the table.
 */
export function recordResult(row: ReliabilityRow, dir = RESULTS_DIR): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'results.json');
  let rows: ReliabilityRow[] = [];
  try {
    rows = JSON.parse(readFileSync(file, 'utf8')) as ReliabilityRow[];
  } catch {
    rows = [];
  }
  rows = rows.filter((r) => !(r.scenario === row.scenario && r.profile === row.profile)).concat(row);
  rows.sort((a, b) => a.scenario.localeCompare(b.scenario) || a.profile.localeCompare(b.profile));
  writeFileSync(file, `${JSON.stringify(rows, null, 2)}\n`);
  const table = renderTable(rows);
  const dates = [...new Set(rows.map((r) => r.date))].join(', ');
  writeFileSync(join(dir, 'results.md'), `# Reliability results\n\nRun: ${dates}\n\n${table}\n`);
  return table;
}
