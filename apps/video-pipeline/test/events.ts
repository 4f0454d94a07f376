import { readFileSync } from 'node:fs';

/** A sample event of events/, parsed. */
export function sampleEvent(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../events/${name}.json`, import.meta.url), 'utf8'));
}
