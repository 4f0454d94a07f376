// SPDX-License-Identifier: MIT-0
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { HttpError } from './errors.ts';
import { decodeBase64, methodOf, parseRequest, parseTopK, requestIdOf, sniffImageType } from './request.ts';

function message(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof HttpError) return err.message;
    throw err;
  }
  return undefined;
}

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
  it('parse a v2 and a v1 binary body the same way', () => {
    const a = parseRequest(v2(PNG.toString('base64'), { 'content-type': 'image/png' }), limits);
    const b = parseRequest(
      { ...v1(PNG.toString('base64'), { 'Content-Type': 'image/png' }), isBase64Encoded: true },
      limits,
    );
    expect(a).toEqual({ image: PNG, contentType: 'image/png', topK: 3 });
    expect(b).toEqual(a);
  });
  it('take the type from the bytes when no image content type is sent', () => {
    expect(
      parseRequest(v2(JPEG.toString('base64'), { 'content-type': 'application/octet-stream' }), limits).contentType,
    ).toBe('image/jpeg');
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
    expect(status(() => parseRequest(v2('this is not base64!'), limits))).toBe(400);
    expect(status(() => decodeBase64('abc', 100))).toBe(400);
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

// API Gateway base64-encodes a body it treats as binary and says so with isBase64Encoded: an
// HTTP API for every content type but text ones (text/*, application/json, ...), a REST API for
// the binary media types configured on it. A body that arrives as text is the client's text.
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
// https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings-workflow.html
describe('base64 only when the event says isBase64Encoded', () => {
  const text = (body: string, contentType: string) => {
    const e = v2(body, { 'content-type': contentType });
    (e as { isBase64Encoded: boolean }).isBase64Encoded = false;
    return e;
  };
  it('does not decode a text body that happens to be base64', () => {
    expect(status(() => parseRequest(v1(PNG.toString('base64'), { 'content-type': 'image/png' }), limits))).toBe(415);
    expect(status(() => parseRequest(text(PNG.toString('base64'), 'text/plain'), limits))).toBe(415);
  });
  it('says why when an image arrived as text (a REST API without binary media types)', () => {
    expect(message(() => parseRequest(v1(JPEG.toString('latin1'), { 'content-type': 'image/jpeg' }), limits))).toMatch(
      /binary media types/,
    );
  });
  it('decodes a binary body (isBase64Encoded) of either event version', () => {
    const rest = { ...v1(PNG.toString('base64'), { 'Content-Type': 'image/png' }), isBase64Encoded: true };
    expect(parseRequest(rest, limits)).toEqual({ image: PNG, contentType: 'image/png', topK: 3 });
  });
});

describe('accepted bodies: the image itself, or JSON {"image": base64}', () => {
  const json = (value: unknown, encoded = false) => {
    const raw = typeof value === 'string' ? value : JSON.stringify(value);
    return {
      ...v1(encoded ? Buffer.from(raw).toString('base64') : raw, { 'Content-Type': 'application/json' }),
      isBase64Encoded: encoded,
    };
  };
  it('takes JSON {"image": "<base64>"} as text or base64-encoded', () => {
    expect(parseRequest(json({ image: PNG.toString('base64') }), limits)).toEqual({
      image: PNG,
      contentType: 'image/png',
      topK: 3,
    });
    expect(parseRequest(json({ image: JPEG.toString('base64') }, true), limits).contentType).toBe('image/jpeg');
    expect(
      parseRequest(
        { ...json({ image: WEBP.toString('base64') }), headers: { 'content-type': 'application/json; charset=utf-8' } },
        limits,
      ).contentType,
    ).toBe('image/webp');
  });
  it('400 for JSON that is not {"image": "<base64>"}', () => {
    for (const bad of ['{not json', '[]', '{"img":"iVBORw0KGgo="}', '{"image":42}', '{"image":"not base64!"}']) {
      expect(
        status(() => parseRequest(json(bad), limits)),
        bad,
      ).toBe(400);
    }
    expect(message(() => parseRequest(json('{"img":1}'), limits))).toMatch(/"image"/);
  });
  it('413 for a JSON image over the cap, before decoding it', () => {
    const big = Buffer.concat([PNG, Buffer.alloc(2000)]).toString('base64');
    expect(status(() => parseRequest(json({ image: big }), limits))).toBe(413);
    expect(message(() => parseRequest(json({ image: big }), limits))).toMatch(/^the JSON body is \d+ bytes/);
    const justOver = Buffer.concat([PNG, Buffer.alloc(limits.maxImageBytes + 1 - PNG.length)]).toString('base64');
    expect(message(() => parseRequest(json({ image: justOver }), limits))).toBe(
      `the image is ${limits.maxImageBytes + 1} bytes; the limit is ${limits.maxImageBytes}`,
    );
    const atCap = Buffer.concat([PNG, Buffer.alloc(limits.maxImageBytes - PNG.length)]).toString('base64');
    expect(parseRequest(json({ image: atCap }), limits).image).toHaveLength(limits.maxImageBytes);
  });
  it('accepts the image with an image type, application/octet-stream or no content type', () => {
    expect(
      parseRequest(v2(PNG.toString('base64'), { 'content-type': 'application/octet-stream' }), limits).contentType,
    ).toBe('image/png');
    expect(parseRequest(v2(PNG.toString('base64')), limits).contentType).toBe('image/png');
  });
  it('415 for any other content type, naming what is accepted', () => {
    for (const type of ['text/plain', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded']) {
      expect(
        status(() => parseRequest(v2(PNG.toString('base64'), { 'content-type': type }), limits)),
        type,
      ).toBe(415);
    }
    expect(message(() => parseRequest(v2(PNG.toString('base64'), { 'content-type': 'text/plain' }), limits))).toMatch(
      /image\/jpeg.*application\/json/,
    );
  });
});

// REST APIs (payload 1.0) put every value of a repeated parameter in
// multiValueQueryStringParameters and only the last in queryStringParameters; HTTP APIs (2.0)
// join them with commas. https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
describe('query strings of both versions', () => {
  const rest = (multi: Record<string, string[]> | null, single: Record<string, string> | null) => ({
    ...v1(PNG.toString('base64'), {}, single),
    isBase64Encoded: true,
    multiValueQueryStringParameters: multi,
  });
  it('reads topK from multiValueQueryStringParameters', () => {
    expect(parseRequest(rest({ topK: ['2'] }, null), limits).topK).toBe(2);
    expect(parseRequest(rest({ topK: ['4'] }, { topK: '4' }), limits).topK).toBe(4);
  });
  it('400 for a repeated topK in either version, rather than silently taking one', () => {
    expect(status(() => parseRequest(rest({ topK: ['2', '5'] }, { topK: '5' }), limits))).toBe(400);
    expect(message(() => parseRequest(rest({ topK: ['2', '5'] }, { topK: '5' }), limits))).toMatch(/once/);
    expect(message(() => parseRequest(v2(PNG.toString('base64'), {}, { topK: '2,5' }), limits))).toMatch(/once/);
  });
});
