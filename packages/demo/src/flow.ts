import type { EmulatorInfo, Service } from '@samples/emulator';

/** What a flow gets: the running emulator, a folder for its outputs and a progress line. */
export interface FlowContext {
  emulator: EmulatorInfo;
  outDir: string;
  progress(message: string): void;
}

/** One workload's demo: deploy it into the emulator, feed it generated input, report. */
export interface Flow {
  workload: string;
  input: string;
  /** Services the flow cannot run without; on a backend that lacks one it is skipped, saying so. */
  needs?: Service[];
  run(ctx: FlowContext): Promise<string>;
}
