import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { HttpError } from './errors.ts';
import { decodeBody, methodOf, parseRequest, parseTopK, requestIdOf, sniffImageType } from './request.ts';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46]);
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([36, 0, 0, 0]), Buffer.from('WEBPVP8 ')]);
const GIF = Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1');
const limits = { maxImageBytes: 1024 };

function v2(body: string | undefined, headers: Record<string, string> = {}, query?: Record<string, string>) {
  return {
    version: '2.0',
    routeKey: 'POST /classify',
    rawPath: '/classify',
    rawQueryString: '',
    headers,
    queryStringParameters: query,
    isBase64Encoded: true,
    body,
    requestContext: { requestId: 'v2-req', http: { method: 'POST', path: '/classify' } },
  } as unknown as APIGatewayProxyEventV2;
}

function v1(body: string | null, headers: Record<string, string> = {}, query: Record<string, string> | null = null) {
  return {
    httpMethod: 'POST',
    path: '/classify',
    resource: '/classify',
    headers,
    queryStringParameters: query,
    isBase64Encoded: false,
    body,
    requestContext: { requestId: 'v1-req', httpMethod: 'POST' },
  } as unknown as APIGatewayProxyEvent;
}

function status(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof HttpError) return err.status;
    throw err;
  }
  return undefined;
}

describe('both event versions', () => {
  it('read method and request id', () => {
    expect(methodOf(v2('x'))).toBe('POST');
    expect(methodOf(v1('x'))).toBe('POST');
    expect(requestIdOf(v2('x'))).toBe('v2-req');
    expect(requestIdOf(v1('x'))).toBe('v1-req');
  });
  it('parse a v2 binary body and a v1 base64 text body the same way', () => {
    const a = parseRequest(v2(PNG.toString('base64'), { 'content-type': 'image/png' }), limits);
    const b = parseRequest(v1(PNG.toString('base64'), { 'Content-Type': 'image/png' }), limits);
    expect(a).toEqual({ image: PNG, contentType: 'image/png', topK: 3 });
    expect(b).toEqual(a);
  });
  it('take the type from the bytes when no image content type is sent', () => {
    expect(parseRequest(v1(JPEG.toString('base64'), { 'content-type': 'text/plain' }), limits).contentType).toBe(
      'image/jpeg',
    );
    expect(parseRequest(v2(WEBP.toString('base64')), limits).contentType).toBe('image/webp');
  });
});

describe('validation', () => {
  it('400 for an empty or missing body', () => {
    expect(status(() => parseRequest(v2(undefined), limits))).toBe(400);
    expect(status(() => parseRequest(v1(''), limits))).toBe(400);
    expect(status(() => parseRequest(v1('  \n '), limits))).toBe(400);
  });
  it('400 for a body that is not base64', () => {
    expect(status(() => parseRequest(v1('this is not base64!'), limits))).toBe(400);
    expect(status(() => decodeBody('abc', 100))).toBe(400);
  });
  it('413 above the size cap, before decoding', () => {
    const big = Buffer.concat([PNG, Buffer.alloc(2000)]).toString('base64');
    expect(status(() => parseRequest(v2(big, { 'content-type': 'image/png' }), limits))).toBe(413);
    expect(status(() => parseRequest(v2(`${'A'.repeat(4000)}!`), limits))).toBe(413);
  });
  it('415 for other image types, non-images and mismatched content types', () => {
    expect(status(() => parseRequest(v2(GIF.toString('base64'), { 'content-type': 'image/gif' }), limits))).toBe(415);
    expect(status(() => parseRequest(v2(GIF.toString('base64')), limits))).toBe(415);
    expect(status(() => parseRequest(v2(Buffer.from('hello world').toString('base64')), limits))).toBe(415);
    expect(status(() => parseRequest(v2(PNG.toString('base64'), { 'content-type': 'image/jpeg' }), limits))).toBe(415);
  });
  it('accepts image/jpg as JPEG', () => {
    expect(parseRequest(v2(JPEG.toString('base64'), { 'content-type': 'image/jpg' }), limits).contentType).toBe(
      'image/jpeg',
    );
  });
});

describe('topK', () => {
  it('defaults to 3 and accepts 1..10', () => {
    expect(parseTopK(undefined)).toBe(3);
    expect(parseTopK('1')).toBe(1);
    expect(parseTopK('10')).toBe(10);
    expect(parseRequest(v2(PNG.toString('base64'), {}, { topK: '5' }), limits).topK).toBe(5);
  });
  it('400 outside the bounds or not a whole number', () => {
    for (const raw of ['0', '11', '-1', '2.5', 'abc', '']) expect(status(() => parseTopK(raw))).toBe(400);
  });
});

describe('sniffImageType', () => {
  it('knows JPEG, PNG and WebP by magic bytes', () => {
    expect(sniffImageType(JPEG)).toBe('image/jpeg');
    expect(sniffImageType(PNG)).toBe('image/png');
    expect(sniffImageType(WEBP)).toBe('image/webp');
    expect(sniffImageType(GIF)).toBeUndefined();
    expect(sniffImageType(new Uint8Array(2))).toBeUndefined();
  });
});
