import type { LoggerOptions } from 'pino';

/**
 * What the hub's logger withholds whatever the level: PostgreSQL's `detail` of a failed write
 * quotes the row's values (`Key (elder_id)=(…)`), and health data never goes above debug.
 */
export const personalDataRedaction: NonNullable<LoggerOptions['redact']> = {
  paths: ['err.detail', 'err.where', 'err.cause.detail'],
  censor: '[withheld: may name a person]',
};
