// SPDX-License-Identifier: MIT-0
/** Exit codes: 0 done (manifest written), 2 invalid input (nothing written), 1 anything else. */
export const EXIT_CODES = { ok: 0, failed: 1, invalidInput: 2 } as const;

/** The input (environment, source object or its content) cannot be transcoded: exit code 2. */
export class InvalidInputError extends Error {
  override name = 'InvalidInputError';
}

/** The task was asked to stop (SIGTERM from StopTask or a Spot interruption). */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
}

export const EXIT = EXIT_CODES;

export function exitCodeFor(err: unknown): number {
  return err instanceof InvalidInputError ? EXIT.invalidInput : EXIT.failed;
}
