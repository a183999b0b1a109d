import { ConfigError } from '@lb/core';
import type { AccessLogConfig } from '../accessLog/accessLogConfig.js';

/** Throws a {@link ConfigError} naming the field when `accessLog` is not a valid {@link AccessLogConfig}. */
export function validateAccessLogConfig(config: AccessLogConfig): void {
  const invalid = (field: string, expectation: string): never => {
    throw new ConfigError(
      'LB_ERR_INVALID_OPTION',
      `accessLog.${field}`,
      `accessLog.${field} ${expectation}.`,
    );
  };
  if (typeof config !== 'object' || config === null) invalid('format', "needs an object with 'format'");
  for (const key of Object.keys(config)) {
    if (!['format', 'stream', 'path', 'maxBuffered'].includes(key)) invalid(key, 'is not an option');
  }
  if (config.format !== 'json' && config.format !== 'combined')
    invalid('format', "must be 'json' or 'combined'");
  const hasStream = config.stream !== undefined;
  const hasPath = config.path !== undefined;
  if (hasStream && hasPath) invalid('path', 'cannot be given with accessLog.stream: choose one');
  if (!hasStream && !hasPath) invalid('stream', 'or accessLog.path is needed');
  if (hasStream && typeof config.stream?.write !== 'function') invalid('stream', 'must be a Writable stream');
  if (hasPath && (typeof config.path !== 'string' || config.path === ''))
    invalid('path', 'must be a file path');
  const max = config.maxBuffered;
  if (max !== undefined && !(Number.isSafeInteger(max) && max >= 0)) {
    invalid('maxBuffered', 'must be a whole number of bytes, 0 or more');
  }
}
