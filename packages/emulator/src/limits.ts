import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * What AWS enforces at its front door and the emulators do not: payload limits, and the
 * error each one answers with. The harness's proxy (proxy.ts) applies them to every call
 * that goes through it, so code under test meets them locally as it would on AWS.
 * Values are the ones AWS documents today; each entry names its page.
 */
export const LIMITS = {
  lambdaInvokeSync: {
    bytes: 6_291_456,
    what: 'Lambda Invoke request, synchronous (RequestResponse)',
    doc: 'https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html',
  },
  lambdaInvokeAsync: {
    // 256 KB until October 2025, 1 MB since.
    bytes: 1_048_576,
    what: 'Lambda Invoke request, asynchronous (Event)',
    doc: 'https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html',
  },
  lambdaResponseSync: {
    // The quotas page says 6 MB; the error AWS returns names 6291556 bytes as the maximum.
    bytes: 6_291_556,
    what: 'Lambda synchronous response payload',
    doc: 'https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html',
  },
  sfnInput: {
    bytes: 262_144,
    what: 'Step Functions StartExecution input, SendTaskSuccess output (UTF-8 bytes)',
    doc: 'https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html',
  },
  sqsMessage: {
    // 256 KiB until August 2025, 1 MiB since. Message attributes count toward it.
    bytes: 1_048_576,
    what: 'SQS SendMessage message (body and attributes), SendMessageBatch total',
    doc: 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html',
  },
  apiGatewayPayload: {
    bytes: 10_485_760,
    what: 'API Gateway REST API request payload',
    doc: 'https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html',
  },
  sagemakerServerlessInvoke: {
    // "4 MB", read as 4,000,000 bytes, the smaller reading: the harness's SageMaker endpoints
    // are serverless ones (the default the inference stack expects).
    bytes: 4_000_000,
    what: 'SageMaker InvokeEndpoint request body, serverless endpoint',
    doc: 'https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints-invoke.html',
  },
} as const;

export type LimitName = keyof typeof LIMITS;

/** The service and operation of a request, as far as the proxy can tell from its head. */
export interface Operation {
  service: string;
  operation: string;
  /** For S3 object operations: the bucket and key of a path-style request. */
  bucket?: string;
  key?: string;
}

const SCOPE = /Credential=[^/,\s]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/;

/** The SigV4 credential scope's service, from the Authorization header or a presigned URL. */
export function signedService(headers: IncomingHttpHeaders, url: URL): string | undefined {
  const auth = headers.authorization;
  const fromHeader = typeof auth === 'string' ? SCOPE.exec(auth)?.[1] : undefined;
  if (fromHeader) return fromHeader;
  const cred = url.searchParams.get('X-Amz-Credential');
  return cred?.split('/')[3];
}

/** Identifies the call from its method, path, query and headers (credential scope, X-Amz-Target, Action=). */
export function identify(method: string, rawUrl: string, headers: IncomingHttpHeaders): Operation {
  const url = new URL(rawUrl, 'http://proxy.invalid');
  const path = url.pathname;
  // API invocations carry no signature: the path or the host says what they are (REST and HTTP APIs).
  if (
    /^\/restapis\/[^/]+\/[^/]+\/_user_request_(\/|$)/.test(path) ||
    /^\/_aws\/execute-api\/[^/]+\//.test(path) ||
    /\.execute-api\./.test(headers.host ?? '')
  ) {
    return { service: 'execute-api', operation: 'Invoke' };
  }
  const service = signedService(headers, url) ?? '';
  const target = headers['x-amz-target'];
  if (typeof target === 'string' && target.includes('.')) {
    return { service, operation: target.slice(target.lastIndexOf('.') + 1) };
  }
  if (service === 'lambda' && method === 'POST' && /^\/2015-03-31\/functions\/[^/]+\/invocations$/.test(path)) {
    return { service, operation: 'Invoke' };
  }
  if (service === 'sagemaker' && method === 'POST' && /^\/endpoints\/[^/]+\/invocations$/.test(path)) {
    return { service, operation: 'InvokeEndpoint' };
  }
  const action = url.searchParams.get('Action');
  if (action) return { service, operation: action };
  if (service === 's3') {
    const [, bucket, ...rest] = path.split('/');
    const key = rest.length ? decodeURIComponent(rest.join('/')) : undefined;
    if (bucket && key && (method === 'GET' || method === 'HEAD') && !url.searchParams.has('uploadId')) {
      return { service, operation: method === 'GET' ? 'GetObject' : 'HeadObject', bucket, key };
    }
    return { service, operation: '' };
  }
  return { service, operation: '' };
}

/** Whether the proxy must read this request's body before forwarding it. */
export function needsBody(op: Operation): boolean {
  return (
    op.service === 'execute-api' ||
    (op.service === 'lambda' && op.operation === 'Invoke') ||
    (op.service === 'sagemaker' && op.operation === 'InvokeEndpoint') ||
    (op.service === 'sqs' && (op.operation === 'SendMessage' || op.operation === 'SendMessageBatch')) ||
    (op.service === 'states' && (op.operation === 'StartExecution' || op.operation === 'SendTaskSuccess'))
  );
}

/** What the proxy answers instead of forwarding: status, headers and body, in the service's protocol. */
export interface Refusal {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function restJson(status: number, type: string, message: string): Refusal {
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': type },
    body: JSON.stringify({ Type: 'User', message }),
  };
}

function awsJson(type: string, message: string): Refusal {
  return {
    status: 400,
    headers: { 'content-type': 'application/x-amz-json-1.0' },
    body: JSON.stringify({ __type: `com.amazonaws.swf.service.v2.model#${type}`, message }),
  };
}

interface SqsEntry {
  MessageBody?: string;
  MessageAttributes?: Record<string, { DataType?: string; StringValue?: string; BinaryValue?: string }>;
}

/** An SQS message's size as SQS counts it: body, and each attribute's name, type and value. */
export function sqsMessageSize(entry: SqsEntry): number {
  let size = Buffer.byteLength(entry.MessageBody ?? '', 'utf8');
  for (const [name, a] of Object.entries(entry.MessageAttributes ?? {})) {
    size += Buffer.byteLength(name) + Buffer.byteLength(a.DataType ?? '');
    if (a.StringValue !== undefined) size += Buffer.byteLength(a.StringValue, 'utf8');
    // JSON carries binary values base64-encoded; their size is the bytes'.
    if (a.BinaryValue !== undefined) size += Buffer.from(a.BinaryValue, 'base64').length;
  }
  return size;
}

/** SQS's JSON protocol answer; the query-compatibility header gives the SDK the error code. */
function sqsError(code: string, message: string): Refusal {
  return {
    status: 400,
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': `${code};Sender` },
    body: JSON.stringify({ __type: `com.amazonaws.sqs#${code}`, message }),
  };
}

/** The AWS answer to a request over its limit, or undefined when it is within every limit. */
export function checkRequest(op: Operation, headers: IncomingHttpHeaders, body: Buffer): Refusal | undefined {
  if (op.service === 'lambda' && op.operation === 'Invoke') {
    const type = String(headers['x-amz-invocation-type'] ?? 'RequestResponse');
    const limit = type === 'Event' ? LIMITS.lambdaInvokeAsync.bytes : LIMITS.lambdaInvokeSync.bytes;
    if (body.length <= limit) return undefined;
    // The message AWS returns, e.g. "264496 byte payload is too large for the Event invocation type (limit 262144 bytes)".
    return restJson(
      413,
      'RequestEntityTooLargeException',
      `${body.length} byte payload is too large for the ${type} invocation type (limit ${limit} bytes)`,
    );
  }
  if (op.service === 'states' && (op.operation === 'StartExecution' || op.operation === 'SendTaskSuccess')) {
    const field = op.operation === 'StartExecution' ? 'input' : 'output';
    let value: unknown;
    try {
      value = (JSON.parse(body.toString('utf8')) as Record<string, unknown>)[field];
    } catch {
      return undefined;
    }
    if (typeof value !== 'string') return undefined;
    const size = Buffer.byteLength(value, 'utf8');
    if (size <= LIMITS.sfnInput.bytes) return undefined;
    return awsJson(
      'ValidationException',
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${LIMITS.sfnInput.bytes}`,
    );
  }
  if (op.service === 'sqs' && (op.operation === 'SendMessage' || op.operation === 'SendMessageBatch')) {
    let input: SqsEntry & { Entries?: SqsEntry[] };
    try {
      input = JSON.parse(body.toString('utf8'));
    } catch {
      return undefined;
    }
    const limit = LIMITS.sqsMessage.bytes;
    if (op.operation === 'SendMessage') {
      if (sqsMessageSize(input) <= limit) return undefined;
      return sqsError(
        'InvalidParameterValue',
        `One or more parameters are invalid. Reason: Message must be shorter than ${limit} bytes.`,
      );
    }
    const total = (input.Entries ?? []).reduce((sum, e) => sum + sqsMessageSize(e), 0);
    if (total <= limit) return undefined;
    return sqsError(
      'BatchRequestTooLong',
      `Batch requests cannot be longer than ${limit} bytes. You have sent ${total} bytes.`,
    );
  }
  if (
    op.service === 'sagemaker' &&
    op.operation === 'InvokeEndpoint' &&
    body.length > LIMITS.sagemakerServerlessInvoke.bytes
  ) {
    // What serverless endpoints answer (reported in aws/sagemaker-python-sdk#4271; the guide
    // gives the limit, not the error).
    const id = randomUUID();
    return {
      status: 400,
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'ValidationError', 'x-amzn-requestid': id },
      body: JSON.stringify({ message: `Request ${id} has oversize body.` }),
    };
  }
  if (op.service === 'execute-api' && body.length > LIMITS.apiGatewayPayload.bytes) {
    return {
      status: 413,
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'RequestEntityTooLargeException' },
      body: JSON.stringify({ message: 'Request Too Long' }),
    };
  }
  return undefined;
}

/** What AWS answers for a synchronous invocation whose function returned more than the limit. */
export function oversizedLambdaResponse(size: number): Refusal | undefined {
  if (size <= LIMITS.lambdaResponseSync.bytes) return undefined;
  // Still 200: the SDK reports it as a function error (FunctionError "Unhandled"), not an exception.
  return {
    status: 200,
    headers: { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' },
    body: JSON.stringify({
      errorMessage: `Response payload size exceeded maximum allowed payload size (${LIMITS.lambdaResponseSync.bytes} bytes).`,
      errorType: 'Function.ResponseSizeTooLarge',
    }),
  };
}

/** S3's answer to a caller who may not list the bucket, for a key that does not exist. */
export function s3AccessDenied(method: string, requestId: string): Refusal {
  return {
    status: 403,
    headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId },
    body:
      method === 'HEAD'
        ? ''
        : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>${requestId}</RequestId></Error>`,
  };
}
