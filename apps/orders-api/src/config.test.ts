// SPDX-License-Identifier: MIT-0
import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from './config.ts';

const env = {
  ORDERS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders',
  ORDERS_TABLE: 'orders',
  REJECTIONS_TABLE: 'rejections',
  REQUESTS_TABLE: 'requests',
};

describe('readConfig', () => {
  it('fills the defaults', () => {
    expect(readConfig(env)).toMatchObject({
      PORT: 8080,
      BODY_LIMIT_BYTES: 65_536,
      RETRY_AFTER_SECONDS: 2,
      SHUTDOWN_TIMEOUT_MS: 20_000,
    });
  });
  it('names every missing or bad variable', () => {
    expect(() => readConfig({ PORT: 'x' })).toThrow(ConfigError);
    expect(() => readConfig({ PORT: 'x' })).toThrow(
      /PORT.*ORDERS_QUEUE_URL.*ORDERS_TABLE.*REJECTIONS_TABLE.*REQUESTS_TABLE/,
    );
    expect(() => readConfig({ ...env, BODY_LIMIT_BYTES: '2000000' })).toThrow(/BODY_LIMIT_BYTES/);
  });
});
