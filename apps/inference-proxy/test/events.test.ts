import { readFileSync } from 'node:fs';
import { APIGatewayProxyEventSchema } from '@aws-lambda-powertools/parser/schemas/api-gateway';
import { APIGatewayProxyEventV2Schema } from '@aws-lambda-powertools/parser/schemas/api-gatewayv2';
import { describe, expect, it } from 'vitest';
import { methodOf, type ProxyEvent, parseRequest, requestIdOf } from '../src/request.ts';

const load = (name: string): unknown => JSON.parse(readFileSync(new URL(`../events/${name}`, import.meta.url), 'utf8'));
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

// The sample events in AWS's shape, held to Powertools Parser's schemas (what AWS sends), then
// read by the same request parsing the handler runs.
describe.each([
  { file: 'http-api.json', schema: APIGatewayProxyEventV2Schema, requestId: 'JKJaXmPLvHcESHA=' },
  { file: 'rest-api.json', schema: APIGatewayProxyEventSchema, requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef' },
])('events/$file', ({ file, schema, requestId }) => {
  it('is an API Gateway event as AWS sends it, a PNG for topK 2', () => {
    const event = schema.parse(load(file)) as ProxyEvent;
    expect(methodOf(event)).toBe('POST');
    expect(requestIdOf(event)).toBe(requestId);
    const request = parseRequest(event, { maxImageBytes: 4_000_000 });
    expect(request).toMatchObject({ contentType: 'image/png', topK: 2 });
    expect(request.image.subarray(1, 4).toString('latin1')).toBe('PNG');
  });

  it('is linked from the README', () => {
    expect(readme).toContain(`](events/${file})`);
  });
});
