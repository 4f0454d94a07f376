/** Input that no retry can fix: logged with its reason, nothing written, not retried. */
export class RejectedInput extends Error {
  override name = 'RejectedInput';
}

/** sharp's messages for input it cannot or will not decode. */
const UNDECODABLE = [
  /unsupported image format/i,
  /Input (buffer|file) (contains|has) unsupported/i,
  /exceeds pixel limit/i,
  /premature end/i,
  /corrupt/i,
  /truncated/i,
  /VipsJpeg|VipsPng|VipsForeign|vips_/i,
  /bad (seek|huffman|adaptive)/i,
  /Invalid (PNG|JPEG|image)/i,
  /not a known file format/i,
];

/** Classifies an error thrown while decoding or encoding: rejected input, or rethrow. */
export function asRejection(err: unknown): RejectedInput | undefined {
  if (err instanceof RejectedInput) return err;
  const message = err instanceof Error ? err.message : String(err);
  return UNDECODABLE.some((re) => re.test(message))
    ? new RejectedInput(`cannot decode image: ${message.split('\n')[0]}`)
    : undefined;
}
