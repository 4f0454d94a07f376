// SPDX-License-Identifier: MIT-0
/** Input that no retry can fix: logged with its reason, nothing written, not retried. */
export class RejectedInput extends Error {
  override name = 'RejectedInput';
}

/**
 * A failure while reading the input (its header, or decoding its pixels) is the input's: the same
 * bytes fail the same way on every retry. Classified by where it happened, not by sharp's wording,
 * which is the same for a corrupt file and for an encoder out of memory.
 */
export function undecodable(err: unknown): RejectedInput {
  if (err instanceof RejectedInput) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new RejectedInput(`cannot decode image: ${message.split('\n')[0]}`, { cause: err });
}
