import type { IncomingMessage, ServerResponse } from 'node:http';
import type net from 'node:net';

/** An `http.Server` or `https.Server`, told apart from a plain `net.Server` by what we use of it. */
type HttpLikeServer = net.Server & { closeIdleConnections(): void };

function isHttpLike(server: net.Server): server is HttpLikeServer {
  return typeof (server as Partial<HttpLikeServer>).closeIdleConnections === 'function';
}

/**
 * Ends the kept-alive connections of a worker's HTTP servers without failing a request a client is sending on
 * one. Closing an idle kept-alive connection races with the client reusing it (the client sees a reset or
 * "socket hang up"); a response with `Connection: close` does not: the client knows not to reuse it. So, once
 * draining, every response says `Connection: close`, and only connections that stayed idle for `idleGrace` ms
 * (no client is using them) are closed from our side.
 */
export class KeepAliveDrain {
  private draining = false;
  private readonly watched = new Set<HttpLikeServer>();

  /** @param idleGrace How long a connection may stay idle after draining starts before we close it. */
  constructor(private readonly idleGrace: number) {}

  /** Follows `server`'s requests, so responses can be marked once draining; a non-HTTP server is ignored. */
  watch(server: net.Server): void {
    if (!isHttpLike(server) || this.watched.has(server)) return;
    this.watched.add(server);
    server.once('close', () => this.watched.delete(server));
    // Prepended: an app that answers synchronously in its own listener would send the headers before ours ran.
    server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
      if (!this.draining) return;
      res.shouldKeepAlive = false;
      res.setHeader('Connection', 'close');
    });
  }

  /**
   * Starts draining: from now on responses close their connection; after the grace, idle connections are
   * closed every `interval` ms. Returns a function that stops the periodic closing.
   */
  start(interval: number): () => void {
    this.draining = true;
    let sweep: NodeJS.Timeout | undefined;
    const grace = setTimeout(() => {
      const closeIdle = () => {
        for (const server of this.watched) server.closeIdleConnections();
      };
      closeIdle();
      sweep = setInterval(closeIdle, interval).unref();
    }, this.idleGrace).unref();
    return () => {
      clearTimeout(grace);
      clearInterval(sweep);
    };
  }
}
