// SPDX-License-Identifier: MIT-0
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import { z } from 'zod';
import { HttpError } from './errors.ts';
import { maxImageBytesFor } from './limits.ts';

export type ProxyEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2;
export type ImageType = 'image/jpeg' | 'image/png' | 'image/webp';

export const SUPPORTED_TYPES: readonly ImageType[] = ['image/jpeg', 'image/png', 'image/webp'];
/** The default cap fits the default endpoint, a serverless one (see limits.ts). */
export const DEFAULT_MAX_IMAGE_BYTES = maxImageBytesFor('serverless');
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
const EMPTY = 'the request body is empty: send a JPEG, PNG or WebP image';

/** Strict base64 to bytes, the decoded size checked against the cap before anything large is decoded. */
export function decodeBase64(encoded: string, maxImageBytes: number, what = 'the image'): Buffer {
  const text = encoded.replace(/\s+/g, '');
  if (text.length === 0) throw new HttpError(400, EMPTY);
  const decodedSize = Math.floor((text.length * 3) / 4) - (text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0);
  if (decodedSize > maxImageBytes) {
    throw new HttpError(413, `${what} is ${decodedSize} bytes; the limit is ${maxImageBytes}`);
  }
  if (text.length % 4 !== 0 || !BASE64.test(text)) throw new HttpError(400, `${what} is not valid base64`);
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length === 0) throw new HttpError(400, EMPTY);
  return bytes;
}

/**
 * The body as API Gateway delivered it: base64-decoded when the event says isBase64Encoded
 * (a body API Gateway treats as binary), else the client's own text as UTF-8.
 */
export function bodyBytes(event: ProxyEvent, maxBytes: number, what = 'the image'): Buffer {
  const body = event.body;
  if (!body || body.trim() === '') throw new HttpError(400, EMPTY);
  if (event.isBase64Encoded) return decodeBase64(body, maxBytes, what);
  const size = Buffer.byteLength(body, 'utf8');
  if (size > maxBytes) throw new HttpError(413, `${what} is ${size} bytes; the limit is ${maxBytes}`);
  return Buffer.from(body, 'utf8');
}

const jsonBodySchema = z.object({ image: z.string() });
const JSON_SHAPE = 'a JSON body must be {"image": "<base64 of a JPEG, PNG or WebP image>"}';

/** The image of a JSON body `{"image": "<base64>"}`. */
export function imageOfJson(text: string, maxImageBytes: number): Buffer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HttpError(400, `the body is not valid JSON: ${JSON_SHAPE}`);
  }
  const body = jsonBodySchema.safeParse(parsed);
  if (!body.success) throw new HttpError(400, JSON_SHAPE);
  return decodeBase64(body.data.image, maxImageBytes);
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
  const t = ((value ?? '').split(';', 1)[0] ?? '').trim().toLowerCase();
  return t === 'image/jpg' ? 'image/jpeg' : t;
}

/** Every value of a query parameter: REST (v1) lists them; an HTTP API (v2) joins them with commas. */
export function queryValues(event: ProxyEvent, name: string): string[] {
  if ('httpMethod' in event) {
    const many = event.multiValueQueryStringParameters?.[name];
    if (many && many.length > 0) return many;
    const one = event.queryStringParameters?.[name];
    return one === undefined || one === null ? [] : [one];
  }
  const joined = event.queryStringParameters?.[name];
  return joined === undefined ? [] : joined.split(',');
}

/** What a request body may be: the image itself, or JSON carrying it in base64. */
export const JSON_TYPE = 'application/json';
export const ACCEPTED_CONTENT_TYPES: readonly string[] = [...SUPPORTED_TYPES, 'application/octet-stream', JSON_TYPE];
const ACCEPTED =
  'send the image as image/jpeg, image/png or image/webp (or application/octet-stream), ' +
  'or as application/json {"image": "<base64>"}';

/**
 * Validates an API Gateway event (v1 or v2) into what InvokeEndpoint needs. The body is the
 * image (binary: API Gateway base64-encodes it and sets isBase64Encoded), or JSON
 * `{"image": "<base64>"}`. The image type comes from the bytes; a Content-Type header naming an
 * image type must agree with them.
 */
export function parseRequest(event: ProxyEvent, limits: RequestLimits): ClassifyRequest {
  const topKs = queryValues(event, 'topK');
  if (topKs.length > 1) throw new HttpError(400, 'give topK once');
  const topK = parseTopK(topKs[0]);
  const declared = mediaTypeOf(header(event, 'content-type'));
  if (declared !== '' && !ACCEPTED_CONTENT_TYPES.includes(declared)) {
    throw new HttpError(415, `unsupported content type ${declared}: ${ACCEPTED}`);
  }
  let image: Buffer;
  if (declared === JSON_TYPE) {
    // The JSON text is the base64 image plus a few bytes of JSON: refuse a larger one unparsed.
    const jsonLimit = Math.ceil(limits.maxImageBytes / 3) * 4 + 1024;
    const text = bodyBytes(event, jsonLimit, 'the JSON body').toString('utf8');
    image = imageOfJson(text, limits.maxImageBytes);
  } else {
    image = bodyBytes(event, limits.maxImageBytes);
  }
  const sniffed = sniffImageType(image);
  if (!sniffed) {
    const hint =
      declared !== JSON_TYPE && !event.isBase64Encoded
        ? " (it arrived as text: a REST API passes an image intact only when its type is among the API's binary media types)"
        : '';
    throw new HttpError(415, `the body is not a JPEG, PNG or WebP image${hint}`);
  }
  if (declared.startsWith('image/') && declared !== sniffed) {
    throw new HttpError(415, `the content type says ${declared} but the body is ${sniffed}`);
  }
  return { image, contentType: sniffed, topK };
}
