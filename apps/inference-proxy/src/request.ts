import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import { z } from 'zod';
import { HttpError } from './errors.ts';

export type ProxyEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2;
export type ImageType = 'image/jpeg' | 'image/png' | 'image/webp';

export const SUPPORTED_TYPES: readonly ImageType[] = ['image/jpeg', 'image/png', 'image/webp'];
/** Lambda's synchronous payload limit is 6 MB and base64 adds a third: 4 MiB of image fits. */
export const DEFAULT_MAX_IMAGE_BYTES = 4 * 1024 * 1024;
export const DEFAULT_TOP_K = 3;
export const MAX_TOP_K = 10;

export interface ClassifyRequest {
  image: Buffer;
  contentType: ImageType;
  topK: number;
}

export interface RequestLimits {
  maxImageBytes: number;
}

/** Request method, for both API Gateway REST (v1) and HTTP API (v2) events. */
export function methodOf(event: ProxyEvent): string {
  return 'httpMethod' in event ? event.httpMethod : event.requestContext.http.method;
}

/** The request id API Gateway assigned, for both event versions. */
export function requestIdOf(event: ProxyEvent): string | undefined {
  return event.requestContext?.requestId;
}

/** A header's value, whatever the case of its name. */
export function header(event: ProxyEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(event.headers ?? {})) {
    if (k.toLowerCase() === wanted && v !== undefined) return v;
  }
  return undefined;
}

const topKSchema = z.coerce
  .number({ error: 'topK must be a number' })
  .int({ error: 'topK must be a whole number' })
  .min(1, { error: 'topK must be at least 1' })
  .max(MAX_TOP_K, { error: `topK must be at most ${MAX_TOP_K}` });

/** `?topK=` (optional, 1..10, default 3). */
export function parseTopK(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_TOP_K;
  if (raw.trim() === '') throw new HttpError(400, 'topK must be a number');
  const parsed = topKSchema.safeParse(raw);
  if (!parsed.success) throw new HttpError(400, parsed.error.issues[0]?.message ?? 'invalid topK');
  return parsed.data;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The body as bytes. API Gateway hands binary bodies over base64-encoded
 * (isBase64Encoded); a client may also send the image as base64 text itself. Both are
 * base64 here, decoded strictly.
 */
export function decodeBody(body: string | null | undefined, maxImageBytes: number): Buffer {
  if (!body) throw new HttpError(400, 'the request body is empty: send a JPEG, PNG or WebP image');
  const text = body.replace(/\s+/g, '');
  if (text.length === 0) throw new HttpError(400, 'the request body is empty: send a JPEG, PNG or WebP image');
  // Decoded size from the encoded length, checked before decoding anything large.
  const decodedSize = Math.floor((text.length * 3) / 4) - (text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0);
  if (decodedSize > maxImageBytes) {
    throw new HttpError(413, `the image is ${decodedSize} bytes; the limit is ${maxImageBytes}`);
  }
  if (text.length % 4 !== 0 || !BASE64.test(text)) throw new HttpError(400, 'the request body is not valid base64');
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length === 0) throw new HttpError(400, 'the request body is empty: send a JPEG, PNG or WebP image');
  return bytes;
}

/** The image type from its first bytes (JPEG, PNG or WebP), or undefined. */
export function sniffImageType(bytes: Uint8Array): ImageType | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (
    bytes.length >= 8 &&
    Buffer.from(bytes.subarray(0, 8)).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  ) {
    return 'image/png';
  }
  if (
    bytes.length >= 12 &&
    Buffer.from(bytes.subarray(0, 4)).toString('latin1') === 'RIFF' &&
    Buffer.from(bytes.subarray(8, 12)).toString('latin1') === 'WEBP'
  ) {
    return 'image/webp';
  }
  return undefined;
}

/** The media type of a Content-Type header, lower case, without parameters ("image/jpg" read as JPEG). */
export function mediaTypeOf(value: string | undefined): string {
  const t = (value ?? '').split(';', 1)[0]!.trim().toLowerCase();
  return t === 'image/jpg' ? 'image/jpeg' : t;
}

/**
 * Validates an API Gateway event (v1 or v2) into what InvokeEndpoint needs. The image
 * type comes from the bytes; a Content-Type header, when it names an image type, must
 * agree with them.
 */
export function parseRequest(event: ProxyEvent, limits: RequestLimits): ClassifyRequest {
  const topK = parseTopK(event.queryStringParameters?.topK ?? undefined);
  const declared = mediaTypeOf(header(event, 'content-type'));
  if (declared.startsWith('image/') && !(SUPPORTED_TYPES as readonly string[]).includes(declared)) {
    throw new HttpError(415, `unsupported content type ${declared}: send image/jpeg, image/png or image/webp`);
  }
  const image = decodeBody(event.body, limits.maxImageBytes);
  const sniffed = sniffImageType(image);
  if (!sniffed) throw new HttpError(415, 'the body is not a JPEG, PNG or WebP image');
  if (declared.startsWith('image/') && declared !== sniffed) {
    throw new HttpError(415, `the content type says ${declared} but the body is ${sniffed}`);
  }
  return { image, contentType: sniffed, topK };
}
