#!/usr/bin/env node
// biome-ignore-all lint/suspicious/noUndeclaredEnvVars: the Lambda environment, not a turbo task's
// /var/rapid/init of a Lambda container started by LocalStack 4.14.0, in place of LocalStack's
// `lambda-runtime-init` binary, which it downloads from GitHub at first use.
//
// Two sides, as in AWS's own init:
// - towards LocalStack, its executor protocol (localstack/services/lambda_/invocation/executor_endpoint.py):
//   it receives `POST :9563/invoke` and reports to $LOCALSTACK_RUNTIME_ENDPOINT
//   `/status/<runtime-id>/ready|error` and `/invocations/<request-id>/logs|response|error`;
// - towards the function, the Lambda Runtime API (2018-06-01) on 127.0.0.1:9001, served to the
//   runtime's own bootstrap (/var/runtime/bootstrap: AWS's runtime interface client for the language),
//   which loads the handler and runs it as on AWS, as an unprivileged user.
// It enforces the function timeout (then restarts the runtime, as AWS does) and writes the
// START / END / REPORT lines that LogType=Tail returns.
//
// Plain Node.js with no dependencies: LocalStack copies this one file into every runtime image.
'use strict';

const http = require('node:http');
const fs = require('node:fs');
const { spawn, execFileSync } = require('node:child_process');

const ENDPOINT = process.env.LOCALSTACK_RUNTIME_ENDPOINT;
const RUNTIME_ID = process.env.LOCALSTACK_RUNTIME_ID;
const TIMEOUT_MS = Number(process.env.AWS_LAMBDA_FUNCTION_TIMEOUT || 3) * 1000;
const MEMORY_MB = process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE || '128';
const VERSION = process.env.AWS_LAMBDA_FUNCTION_VERSION || '$LATEST';
const RUNTIME_API = '127.0.0.1:9001';
const PREFIX = '/2018-06-01/runtime';
// AWS runs function code as this user (uid 993) in a writable /tmp; the runtime images create it.
const SANDBOX_USER = 'sbx_user1051';
const TAIL_BYTES = 4096;

function log(msg) {
  process.stderr.write(`[init] ${msg}\n`);
}

function post(path, body, contentType = 'application/json') {
  const data = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return new Promise((resolve) => {
    const req = http.request(
      `${ENDPOINT}${path}`,
      { method: 'POST', headers: { 'content-type': contentType, 'content-length': data.length } },
      (res) => {
        res.resume();
        res.on('end', resolve);
      },
    );
    req.on('error', (e) => {
      log(`POST ${path} failed: ${e.message}`);
      resolve();
    });
    req.end(data);
  });
}

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

function bootstrapPath() {
  // The order AWS documents for custom runtimes, managed runtimes first.
  for (const p of ['/var/runtime/bootstrap', '/var/task/bootstrap', '/opt/bootstrap']) {
    if (fs.existsSync(p)) return p;
  }
  return undefined;
}

function sandboxIds() {
  if (process.getuid?.() !== 0 || process.env.LOCALSTACK_USER === 'root') return {};
  try {
    const uid = Number(execFileSync('id', ['-u', SANDBOX_USER]).toString());
    const gid = Number(execFileSync('id', ['-g', SANDBOX_USER]).toString());
    return { uid, gid };
  } catch {
    log(`no user ${SANDBOX_USER} in this image: the function runs as root`);
    return {};
  }
}

function prepareFilesystem(ids) {
  let paths = [];
  try {
    paths = JSON.parse(process.env.LOCALSTACK_CHMOD_PATHS || '[]');
  } catch {}
  for (const { path, mode } of paths) {
    try {
      fs.chmodSync(path, Number.parseInt(mode, 8));
    } catch {}
  }
  if (ids.uid !== undefined) {
    try {
      fs.chownSync('/tmp', ids.uid, ids.gid);
    } catch {}
  }
}

function functionEnv() {
  const env = { ...process.env, AWS_LAMBDA_RUNTIME_API: RUNTIME_API };
  for (const k of [
    'LOCALSTACK_RUNTIME_ENDPOINT',
    'LOCALSTACK_RUNTIME_ID',
    'LOCALSTACK_CHMOD_PATHS',
    'LOCALSTACK_USER',
  ]) {
    delete env[k];
  }
  return env;
}

// ---------------------------------------------------------------------------------------------
const ids = sandboxIds();
let runtime; // the bootstrap process
let initDone = false; // the runtime asked for its first invocation
let startupReported = false;
let waitingNext; // the runtime's pending GET /next
let queued; // an invocation waiting for the runtime
let current; // { id, started, timer, logs: string[] }
let pendingLogs = []; // output before the first invocation (the init phase)

function capture(chunk) {
  process.stdout.write(chunk);
  if (current) current.logs.push(chunk.toString());
  else pendingLogs.push(chunk.toString());
}

function startRuntime() {
  const bootstrap = bootstrapPath();
  if (!bootstrap) return startupFailed('Runtime.InvalidEntrypoint', 'no bootstrap in /var/runtime, /var/task or /opt');
  initDone = false;
  const child = spawn(bootstrap, [], {
    cwd: process.env.LAMBDA_TASK_ROOT || '/var/task',
    env: functionEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    ...ids,
  });
  runtime = child;
  child.stdout.on('data', capture);
  child.stderr.on('data', capture);
  child.on('error', (e) => startupFailed('Runtime.InvalidEntrypoint', e.message));
  child.on('exit', (code, signal) => {
    if (runtime !== child) return;
    runtime = undefined;
    waitingNext = undefined;
    const how = signal ? `signal: ${signal}` : `exit status ${code}`;
    if (current) {
      const { id } = current;
      finish('error', {
        errorType: 'Runtime.ExitError',
        errorMessage: `RequestId: ${id} Error: Runtime exited with error: ${how}`,
      });
      startRuntime();
    } else if (!startupReported) {
      startupFailed('Runtime.ExitError', `Runtime exited with error: ${how}`);
    } else {
      startRuntime();
    }
  });
}

function startupFailed(errorType, errorMessage) {
  if (startupReported) return;
  startupReported = true;
  log(`${errorType}: ${errorMessage}`);
  post(`/status/${RUNTIME_ID}/error`, { errorType, errorMessage });
}

function dispatch() {
  if (!queued || !waitingNext || current) return;
  const inv = queued;
  queued = undefined;
  const res = waitingNext;
  waitingNext = undefined;
  const id = inv['invoke-id'];
  const started = Date.now();
  current = { id, started, logs: [...pendingLogs, `START RequestId: ${id} Version: ${VERSION}\n`] };
  pendingLogs = [];
  current.timer = setTimeout(() => timedOut(id), TIMEOUT_MS);
  const payload = Buffer.from(inv.payload ?? '');
  res.writeHead(200, {
    'content-type': 'application/json',
    'content-length': payload.length,
    'lambda-runtime-aws-request-id': id,
    'lambda-runtime-deadline-ms': String(started + TIMEOUT_MS),
    'lambda-runtime-invoked-function-arn': inv['invoked-function-arn'] ?? '',
    'lambda-runtime-trace-id': inv['trace-id'] ?? '',
  });
  res.end(payload);
}

function timedOut(id) {
  if (current?.id !== id) return;
  const secs = (TIMEOUT_MS / 1000).toFixed(2);
  const message = `RequestId: ${id} Error: Task timed out after ${secs} seconds`;
  current.logs.push(`${new Date().toISOString()} ${id} Task timed out after ${secs} seconds\n`);
  finish('error', { errorType: 'Sandbox.Timedout', errorMessage: message });
  // The next invocation gets a fresh runtime, as after a timeout on AWS.
  const child = runtime;
  runtime = undefined;
  waitingNext = undefined;
  child?.kill('SIGKILL');
  startRuntime();
}

async function finish(kind, body) {
  const inv = current;
  if (!inv) return;
  current = undefined;
  clearTimeout(inv.timer);
  // Output written just before the response may still be in the pipe.
  await new Promise((r) => setTimeout(r, 20));
  const ms = Date.now() - inv.started;
  const rss = Math.round(process.memoryUsage().rss / 1048576);
  inv.logs.push(`END RequestId: ${inv.id}\n`);
  inv.logs.push(
    `REPORT RequestId: ${inv.id}\tDuration: ${ms.toFixed(2)} ms\tBilled Duration: ${Math.max(1, ms)} ms\t` +
      `Memory Size: ${MEMORY_MB} MB\tMax Memory Used: ${rss} MB\t\n`,
  );
  const all = Buffer.from(inv.logs.join(''));
  const logs = all.length > TAIL_BYTES ? all.subarray(all.length - TAIL_BYTES).toString() : all.toString();
  await post(`/invocations/${inv.id}/logs`, { logs });
  await post(
    `/invocations/${inv.id}/${kind}`,
    typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
  );
  dispatch();
}

// Runtime API, for the function's runtime interface client.
const runtimeApi = http.createServer(async (req, res) => {
  const url = req.url ?? '';
  const body = await readBody(req);
  if (req.method === 'GET' && url === `${PREFIX}/invocation/next`) {
    waitingNext = res;
    if (!initDone) {
      initDone = true;
      if (!startupReported) {
        startupReported = true;
        await post(`/status/${RUNTIME_ID}/ready`, {});
      }
    }
    dispatch();
    return;
  }
  const m = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
  if (req.method === 'POST' && m) {
    const id = decodeURIComponent(m[1]);
    if (current?.id !== id) {
      res.writeHead(400, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ errorType: 'InvalidRequestID', errorMessage: `unknown request id ${id}` }));
    }
    res.writeHead(202, { 'content-type': 'application/json' });
    res.end('{"status":"OK"}');
    if (m[2] === 'response') return finish('response', body.length ? body : 'null');
    let error;
    try {
      error = JSON.parse(body.toString());
    } catch {
      error = {
        errorType: req.headers['lambda-runtime-function-error-type'] || 'Runtime.Unknown',
        errorMessage: body.toString(),
      };
    }
    return finish('error', error);
  }
  if (req.method === 'POST' && url === `${PREFIX}/init/error`) {
    res.writeHead(202, { 'content-type': 'application/json' });
    res.end('{"status":"OK"}');
    let error;
    try {
      error = JSON.parse(body.toString());
    } catch {
      error = { errorType: 'Runtime.Unknown', errorMessage: body.toString() };
    }
    process.stdout.write(pendingLogs.join(''));
    return startupFailed(error.errorType ?? 'Runtime.Unknown', error.errorMessage ?? String(body));
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ errorType: 'NotFound', errorMessage: `${req.method} ${url}` }));
});
runtimeApi.keepAliveTimeout = 0;
runtimeApi.requestTimeout = 0;

// LocalStack's side.
const executor = http.createServer(async (req, res) => {
  const body = await readBody(req);
  if (req.method !== 'POST' || req.url !== '/invoke') {
    res.writeHead(404);
    return res.end();
  }
  let inv;
  try {
    inv = JSON.parse(body.toString());
  } catch {
    res.writeHead(400);
    return res.end();
  }
  res.writeHead(200);
  res.end();
  queued = inv;
  dispatch();
});

runtimeApi.listen(9001, '127.0.0.1', () => {
  executor.listen(9563, '0.0.0.0', () => {
    prepareFilesystem(ids);
    startRuntime();
  });
});
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    runtime?.kill('SIGKILL');
    process.exit(0);
  });
}
