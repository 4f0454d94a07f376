import type { EmulatorInfo } from './index.ts';

/** What the global setup hands to tests through vitest's provide/inject. */
declare module 'vitest' {
  export interface ProvidedContext {
    awsEmulator: EmulatorInfo;
  }
}
