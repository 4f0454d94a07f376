// SPDX-License-Identifier: MIT-0
import { buildApp } from './app.ts';
import { awsBackend } from './aws.ts';
import { readConfig } from './config.ts';

const config = readConfig();
const app = buildApp({
  backend: awsBackend(config),
  bodyLimit: config.BODY_LIMIT_BYTES,
  retryAfterSeconds: config.RETRY_AFTER_SECONDS,
  requestTtlDays: config.REQUEST_TTL_DAYS,
  // pino JSON lines on stdout: the awslogs driver ships them to CloudWatch Logs as they are.
  logger: { level: config.LOG_LEVEL, base: { service: 'orders-api' } },
});

let stopping = false;
/**
 * ECS sends SIGTERM once the target is deregistered from the ALB, then SIGKILL after the
 * container's stop timeout. Stop listening, let in-flight requests finish (every 202 already
 * sent stands: its message is on the queue), exit before the timeout.
 */
function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  app.log.info({ signal }, 'shutting down: no new connections, draining in-flight requests');
  const force = setTimeout(() => {
    app.log.error('drain timed out; exiting with requests in flight');
    process.exit(1);
  }, config.SHUTDOWN_TIMEOUT_MS);
  force.unref();
  app.close().then(
    () => {
      app.log.info('drained; exiting');
      process.exit(0);
    },
    (err) => {
      app.log.error({ err }, 'close failed');
      process.exit(1);
    },
  );
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

await app.listen({ port: config.PORT, host: config.HOST });
