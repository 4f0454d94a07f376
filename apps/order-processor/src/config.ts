// SPDX-License-Identifier: MIT-0

/** Where the function keeps and announces orders (its environment, read once at start). */
export interface Config {
  ordersTable: string;
  idempotencyTable: string;
  /** Where an order id that arrives with other content than the stored order is parked. */
  conflictsTable: string;
  /**
   * Where an invalid order whose id can be read is recorded with the reason, so the order's
   * sender can see why it was refused (the message itself goes on to the DLQ). Unset: not recorded.
   */
  rejectionsTable?: string;
  topicArn: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function parseConfig(env: Record<string, string | undefined>): Config {
  const required = (name: string): string => {
    const value = env[name];
    if (!value) throw new ConfigError(`environment variable ${name} is required`);
    return value;
  };
  return {
    ordersTable: required('ORDERS_TABLE'),
    idempotencyTable: required('IDEMPOTENCY_TABLE'),
    conflictsTable: required('CONFLICTS_TABLE'),
    ...(env.REJECTIONS_TABLE ? { rejectionsTable: env.REJECTIONS_TABLE } : {}),
    topicArn: required('TOPIC_ARN'),
  };
}
