import type { Backend, BackendId } from './backend.js';
import { assertNumber, assertPort, assertString, fail } from './validate.js';

/** Options for {@link ProcessInfo}. */
export interface ProcessInfoOptions {
  /** Unique id of the backend (the worker index in a cluster). */
  id: BackendId;
  /** Port the backend listens on. */
  port: number;
  /** Host to connect to. @default '127.0.0.1' */
  host?: string;
  /** Relative share of traffic. @default 1 */
  weight?: number;
  /** Most concurrent requests for the `first` strategy. @default Infinity */
  maxConnections?: number;
}

/**
 * One backend: a cluster worker or any HTTP server the load balancer sends traffic to.
 *
 * @example
 * ```ts
 * const backends = [new ProcessInfo({ id: 0, port: 8081 }), new ProcessInfo({ id: 1, port: 8082, weight: 2 })];
 * ```
 */
export class ProcessInfo implements Backend {
  readonly id: BackendId;
  readonly port: number;
  readonly host: string;
  readonly weight: number;
  readonly maxConnections: number;

  constructor(options: ProcessInfoOptions) {
    if (typeof options !== 'object' || options === null) {
      fail(
        'LB_ERR_INVALID_BACKEND',
        'ProcessInfo',
        'needs an options object such as { id: 0, port: 8081 }',
        options,
      );
    }
    const { id, port, host = '127.0.0.1', weight = 1, maxConnections = Number.POSITIVE_INFINITY } = options;
    if (!(typeof id === 'number' && Number.isFinite(id)) && !(typeof id === 'string' && id.length > 0)) {
      fail('LB_ERR_INVALID_BACKEND', 'id', 'must be a number or a non-empty string', id);
    }
    this.id = id;
    this.port = assertPort(port, 'port');
    this.host = assertString(host, 'host', 'LB_ERR_INVALID_BACKEND');
    this.weight = assertNumber(weight, 'weight', 0, 'LB_ERR_INVALID_WEIGHT');
    if (maxConnections !== Number.POSITIVE_INFINITY) assertNumber(maxConnections, 'maxConnections', 1);
    this.maxConnections = maxConnections;
  }

  /** `http://host:port`, with IPv6 hosts in brackets. */
  get url(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host}:${this.port}`;
  }

  toString(): string {
    return `ProcessInfo(id: ${this.id}, ${this.url})`;
  }
}
