// SPDX-License-Identifier: MIT-0
import { EXIT_CODES } from './contract.ts';

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
