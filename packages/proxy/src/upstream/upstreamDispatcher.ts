import type { Backend, BackendId } from '@lb/core';
import { backendProtocol } from '../protocol/http2/backendProtocol.js';
import { Http1Pool } from './http1Pool.js';
import { Http2Pool } from './http2Pool.js';
import type {
  UpstreamClient,
  UpstreamConnectionObserver,
  UpstreamExchange,
  UpstreamHandlers,
  UpstreamPoolOptions,
  UpstreamPoolStats,
  UpstreamRequestInit,
} from './upstreamClient.js';

/**
 * The upstream client of a backend group: each request goes to the HTTP/1.1 pool or the HTTP/2 pool by its
 * backend's protocol (its own `protocol`, else the group's `upstreamProtocol`), whatever the client spoke. The
 * HTTP/2 pool is only built for a group that has an `h2`/`h2c` backend.
 */
export class UpstreamDispatcher implements UpstreamClient {
  private readonly http1: Http1Pool;
  private http2: Http2Pool | undefined;

  /** @param observer told about every connection or session that opens or closes, for per-backend metrics */
  constructor(
    private readonly options: UpstreamPoolOptions,
    private readonly observer?: UpstreamConnectionObserver,
  ) {
    this.http1 = new Http1Pool(options, observer);
  }

  request(backend: Backend, init: UpstreamRequestInit, handlers: UpstreamHandlers): UpstreamExchange {
    const protocol = backendProtocol(backend, this.options.protocol ?? 'http1');
    if (protocol === 'http1') return this.http1.request(backend, init, handlers);
    this.http2 ??= new Http2Pool(this.options, this.observer);
    return this.http2.requestOver(protocol, backend, init, handlers);
  }

  forget(id: BackendId): void {
    this.http1.forget(id);
    this.http2?.forget(id);
  }

  stats(): UpstreamPoolStats[] {
    const one = this.http1.stats();
    return this.http2 === undefined ? one : one.concat(this.http2.stats());
  }

  close(): void {
    this.http1.close();
    this.http2?.close();
  }
}
