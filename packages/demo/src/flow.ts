import type { EmulatorInfo, Service } from '@samples/emulator';
import type { Block } from './report.ts';

/** What a flow gets: the running emulator, a folder for its outputs and a progress line. */
export interface FlowContext {
  emulator: EmulatorInfo;
  outDir: string;
  progress(message: string): void;
}

/** What a flow found: the table's one-line summary and what the page shows of it. */
export interface FlowResult {
  summary: string;
  /** Files referenced here live in the flow's `outDir`. */
  blocks: Block[];
}

/** One workload's demo: deploy it into the emulator, feed it generated input, report. */
export interface Flow {
  workload: string;
  input: string;
  /** Services the flow cannot run without; on a backend that lacks one it is skipped, saying so. */
  needs?: Service[];
  run(ctx: FlowContext): Promise<FlowResult>;
}
