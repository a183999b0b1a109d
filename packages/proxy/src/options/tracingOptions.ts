import { ConfigError } from '@lb/core';

/** The `tracing` option of `LoadBalancer`: what it adds to requests so they can be followed across services. */
export interface TracingConfig {
  /**
   * Give a request without a valid W3C `traceparent` a new one (its `tracestate`, meaningless without it, is
   * dropped), so the backend and the access log share a trace id. A valid one always passes unchanged.
   * @default false
   */
  readonly generate?: boolean;
  /** The request-id field: set to a random UUID when the client sent none; `false` turns it off. @default 'x-request-id' */
  readonly requestIdHeader?: string | false;
}

/** {@link TracingConfig} as the request path reads it. */
export interface ResolvedTracing {
  readonly generate: boolean;
  /** Lower-cased; `undefined` when off. */
  readonly requestIdHeader: string | undefined;
}

/** A header name as RFC 9110 allows it (a token). */
const fieldName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Throws a {@link ConfigError} naming the field when `tracing` is not a valid {@link TracingConfig}. */
export function validateTracingConfig(config: TracingConfig): void {
  const invalid = (field: string, expectation: string): never => {
    throw new ConfigError('LB_ERR_INVALID_OPTION', `tracing.${field}`, `tracing.${field} ${expectation}.`);
  };
  if (typeof config !== 'object' || config === null) invalid('generate', 'belongs in a tracing object');
  for (const key of Object.keys(config)) {
    if (key !== 'generate' && key !== 'requestIdHeader') invalid(key, 'is not an option');
  }
  if (config.generate !== undefined && typeof config.generate !== 'boolean')
    invalid('generate', 'must be a boolean');
  const header = config.requestIdHeader;
  if (header !== undefined && header !== false && !(typeof header === 'string' && fieldName.test(header))) {
    invalid('requestIdHeader', 'must be a header name or false');
  }
}

/** Applies the defaults; `undefined` without the option, so the request path skips tracing altogether. */
export function resolveTracing(config: TracingConfig | undefined): ResolvedTracing | undefined {
  if (config === undefined) return undefined;
  const header = config.requestIdHeader ?? 'x-request-id';
  return {
    generate: config.generate ?? false,
    requestIdHeader: header === false ? undefined : header.toLowerCase(),
  };
}
