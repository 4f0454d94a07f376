// SPDX-License-Identifier: MIT-0
import { Logger } from '@aws-lambda-powertools/logger';
import { DEFAULT_MAX_BYTES } from './contract.ts';
import { loadClassifier } from './model.ts';
import { createModelServer } from './server.ts';

// SageMaker starts the container as `docker run <image> serve` and sends traffic to port 8080.
const logger = new Logger({ serviceName: process.env.SERVICE_NAME ?? 'model-server' });
const port = Number(process.env.PORT ?? 8080);
const maxBytes = Number(process.env.MAX_BODY_BYTES ?? DEFAULT_MAX_BYTES);
const backend = process.env.TFJS_BACKEND === 'cpu' ? 'cpu' : 'wasm';

const t0 = performance.now();
const classifier = await loadClassifier(backend);
logger.info('model loaded', { backend, labels: classifier.labels, ms: Math.round(performance.now() - t0) });

const server = createModelServer({ classifier, logger, maxBytes });
server.listen(port, '0.0.0.0', () => logger.info('listening', { port }));

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    logger.info('shutting down', { signal });
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 5_000).unref();
  });
}
