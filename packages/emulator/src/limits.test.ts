import { describe, expect, it } from 'vitest';
import { checkRequest, identify, LIMITS, needsBody, oversizedLambdaResponse, s3AccessDenied } from './limits.ts';
import { learnKeys } from './proxy.ts';

const signed = (service: string) => ({
  authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc`,
  host: '127.0.0.1:4566',
});

describe('identify', () => {
  it('reads the service from the SigV4 credential scope and the operation from X-Amz-Target', () => {
    expect(identify('POST', '/', { ...signed('states'), 'x-amz-target': 'AWSStepFunctions.StartExecution' })).toEqual({
      service: 'states',
      operation: 'StartExecution',
    });
  });

  it("knows Lambda's Invoke by its path", () => {
    expect(identify('POST', '/2015-03-31/functions/my-fn/invocations', signed('lambda'))).toEqual({
      service: 'lambda',
      operation: 'Invoke',
    });
    expect(identify('GET', '/2015-03-31/functions/my-fn', signed('lambda')).operation).toBe('');
  });

  it('reads Action= of a query-protocol call from the URL', () => {
    expect(identify('GET', '/?Action=ListUsers&Version=2010-05-08', signed('iam'))).toEqual({
      service: 'iam',
      operation: 'ListUsers',
    });
  });

  it('finds the bucket and key of a path-style S3 GetObject or HeadObject, also presigned', () => {
    expect(identify('GET', '/photos/a%20b/c.jpg', signed('s3'))).toEqual({
      service: 's3',
      operation: 'GetObject',
      bucket: 'photos',
      key: 'a b/c.jpg',
    });
    expect(identify('HEAD', '/photos/c.jpg', signed('s3')).operation).toBe('HeadObject');
    const presigned =
      '/photos/c.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=x';
    expect(identify('GET', presigned, { host: 'h' })).toMatchObject({ service: 's3', operation: 'GetObject' });
    expect(identify('GET', '/photos', signed('s3')).operation).toBe('');
    expect(identify('GET', '/photos/c.jpg?uploadId=1', signed('s3')).operation).toBe('');
  });

  it('knows a REST API invocation by its execute-api path, which carries no signature', () => {
    expect(identify('POST', '/restapis/abc123/prod/_user_request_/orders', { host: 'h' })).toEqual({
      service: 'execute-api',
      operation: 'Invoke',
    });
    expect(identify('POST', '/_aws/execute-api/a1b2c3/$default/classify', { host: 'h' })).toEqual({
      service: 'execute-api',
      operation: 'Invoke',
    });
    expect(identify('GET', '/_ministack/health', { host: 'h' })).toEqual({ service: '', operation: '' });
  });

  it('reads the body only of the calls a limit applies to; everything else streams', () => {
    expect(needsBody({ service: 'lambda', operation: 'Invoke' })).toBe(true);
    expect(needsBody({ service: 'states', operation: 'StartExecution' })).toBe(true);
    expect(needsBody({ service: 's3', operation: 'PutObject' })).toBe(false);
    expect(needsBody({ service: 'lambda', operation: 'CreateFunction' })).toBe(false);
  });
});

describe('checkRequest', () => {
  const invoke = { service: 'lambda', operation: 'Invoke' };

  it('lets a synchronous Invoke of exactly 6 MB through and refuses one byte more as AWS does', () => {
    expect(checkRequest(invoke, {}, Buffer.alloc(LIMITS.lambdaInvokeSync.bytes))).toBeUndefined();
    const r = checkRequest(invoke, {}, Buffer.alloc(LIMITS.lambdaInvokeSync.bytes + 1));
    expect(r?.status).toBe(413);
    expect(r?.headers['x-amzn-errortype']).toBe('RequestEntityTooLargeException');
    expect(JSON.parse(r?.body ?? '')).toEqual({
      Type: 'User',
      message: '6291457 byte payload is too large for the RequestResponse invocation type (limit 6291456 bytes)',
    });
  });

  it('applies the 1 MB limit to an asynchronous Invoke', () => {
    const event = { 'x-amz-invocation-type': 'Event' };
    expect(checkRequest(invoke, event, Buffer.alloc(LIMITS.lambdaInvokeAsync.bytes))).toBeUndefined();
    expect(checkRequest(invoke, event, Buffer.alloc(LIMITS.lambdaInvokeAsync.bytes + 1))?.status).toBe(413);
  });

  it("counts a Step Functions input's UTF-8 bytes, not its characters", () => {
    const op = { service: 'states', operation: 'StartExecution' };
    const body = (input: string) => Buffer.from(JSON.stringify({ stateMachineArn: 'arn', input }));
    // 'é' is two bytes in UTF-8.
    const atLimit = 'é'.repeat(LIMITS.sfnInput.bytes / 2);
    expect(checkRequest(op, {}, body(atLimit))).toBeUndefined();
    const r = checkRequest(op, {}, body(`${atLimit}x`));
    expect(r?.status).toBe(400);
    expect(JSON.parse(r?.body ?? '').__type).toMatch(/#ValidationException$/);
  });

  it('counts SQS message attributes toward the 1 MiB, and a batch as a whole', () => {
    const send = { service: 'sqs', operation: 'SendMessage' };
    const msg = (body: number, attr: string) =>
      Buffer.from(
        JSON.stringify({
          QueueUrl: 'q',
          MessageBody: 'b'.repeat(body),
          MessageAttributes: { k: { DataType: 'String', StringValue: attr } },
        }),
      );
    // 'k' + 'String' = 7 bytes besides the value.
    expect(checkRequest(send, {}, msg(LIMITS.sqsMessage.bytes - 8, 'v'))).toBeUndefined();
    const r = checkRequest(send, {}, msg(LIMITS.sqsMessage.bytes - 8, 'vv'));
    expect(r?.status).toBe(400);
    expect(r?.headers['x-amzn-query-error']).toBe('InvalidParameterValue;Sender');
    const batch = { service: 'sqs', operation: 'SendMessageBatch' };
    const entries = (n: number) =>
      Buffer.from(JSON.stringify({ Entries: [{ MessageBody: 'a'.repeat(n) }, { MessageBody: 'b'.repeat(1024) }] }));
    expect(checkRequest(batch, {}, entries(LIMITS.sqsMessage.bytes - 1024))).toBeUndefined();
    expect(JSON.parse(checkRequest(batch, {}, entries(LIMITS.sqsMessage.bytes - 1023))?.body ?? '').__type).toBe(
      'com.amazonaws.sqs#BatchRequestTooLong',
    );
  });

  it('refuses a REST API request body over 10 MB with 413', () => {
    const op = { service: 'execute-api', operation: 'Invoke' };
    expect(checkRequest(op, {}, Buffer.alloc(LIMITS.apiGatewayPayload.bytes))).toBeUndefined();
    expect(checkRequest(op, {}, Buffer.alloc(LIMITS.apiGatewayPayload.bytes + 1))?.status).toBe(413);
  });

  it("refuses a serverless InvokeEndpoint body over 4 MB with SageMaker's ValidationError", () => {
    const op = identify('POST', '/endpoints/image-classifier/invocations', signed('sagemaker'));
    expect(op).toEqual({ service: 'sagemaker', operation: 'InvokeEndpoint' });
    expect(needsBody(op)).toBe(true);
    expect(checkRequest(op, {}, Buffer.alloc(LIMITS.sagemakerServerlessInvoke.bytes))).toBeUndefined();
    const r = checkRequest(op, {}, Buffer.alloc(LIMITS.sagemakerServerlessInvoke.bytes + 1));
    expect(r?.status).toBe(400);
    expect(r?.headers['x-amzn-errortype']).toBe('ValidationError');
    expect(JSON.parse(r?.body ?? '').message).toMatch(/^Request [\w-]+ has oversize body\.$/);
  });
});

describe('answers', () => {
  it("an oversized Lambda response is a 200 with the function error, as the SDK's FunctionError", () => {
    expect(oversizedLambdaResponse(LIMITS.lambdaResponseSync.bytes)).toBeUndefined();
    const r = oversizedLambdaResponse(LIMITS.lambdaResponseSync.bytes + 1);
    expect(r?.status).toBe(200);
    expect(r?.headers['x-amz-function-error']).toBe('Unhandled');
    expect(JSON.parse(r?.body ?? '').errorType).toBe('Function.ResponseSizeTooLarge');
  });

  it("S3's AccessDenied has an XML body for GET and none for HEAD", () => {
    expect(s3AccessDenied('GET', 'R1').body).toContain('<Code>AccessDenied</Code>');
    expect(s3AccessDenied('HEAD', 'R1')).toMatchObject({ status: 403, body: '' });
  });

  it('every limit names the AWS page it comes from', () => {
    for (const limit of Object.values(LIMITS)) expect(limit.doc).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
  });
});

describe('learnKeys', () => {
  it('remembers the secret (and session token) an IAM or STS answer hands out', () => {
    const keys = new Map();
    learnKeys(
      '<CreateAccessKeyResponse><AccessKey><AccessKeyId>AKIA1</AccessKeyId><SecretAccessKey>s1</SecretAccessKey></AccessKey></CreateAccessKeyResponse>',
      keys,
    );
    learnKeys(
      '<Credentials><AccessKeyId>ASIA2</AccessKeyId><SecretAccessKey>s2</SecretAccessKey><SessionToken>t2</SessionToken></Credentials>',
      keys,
    );
    learnKeys('<ListUsersResponse/>', keys);
    expect([...keys]).toEqual([
      ['AKIA1', { secretAccessKey: 's1', sessionToken: undefined }],
      ['ASIA2', { secretAccessKey: 's2', sessionToken: 't2' }],
    ]);
  });
});
