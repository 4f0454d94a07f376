import type { Context } from 'aws-lambda';

/**
 * What Lambda sets for an on-demand function with active tracing (Lambda's "Defined runtime
 * environment variables"), so that a handler module loaded in a test runs Tracer and the X-Ray
 * SDK as it does there (Tracer switches itself off elsewhere) and Metrics counts the cold start.
 * No X-Ray daemon listens: the segments go out over UDP to nobody, which must stay quiet.
 */
export function lambdaRuntimeEnv(taskRoot: string): Record<string, string> {
  return {
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    LAMBDA_TASK_ROOT: taskRoot,
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    _X_AMZN_TRACE_ID: 'Root=1-6763a1b0-5f1e4c2a9d3b7e8f01234567;Parent=53995c3f42cd8ad8;Sampled=1',
  };
}

/** The context Lambda passes an invocation of `functionName` (request id `awsRequestId`). */
export function lambdaContext(functionName: string, awsRequestId = 'req-handler-1'): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/12/04/[$LATEST]0123456789abcdef0123456789abcdef',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** The lines written to stderr that are not Powertools' JSON (the X-Ray SDK logs plain text there). */
export function captureStderr(): { stop: () => string[] } {
  const chunks: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    chunks.push(String(chunk));
    return write(chunk, ...rest);
  }) as typeof process.stderr.write;
  return {
    stop: () => {
      process.stderr.write = write;
      return chunks
        .join('')
        .split('\n')
        .filter((l) => l.trim() !== '' && !l.startsWith('{'));
    },
  };
}
