import { reasonPhrase } from '../protocol/http1/statusReasons.js';
import type { DownstreamExchange } from './downstreamExchange.js';

/**
 * Answers with `message` as a short plain-text page, the body of every error the balancer makes itself, over
 * either protocol (HTTP/2 lower-cases the field names on the way out).
 */
export function sendTextPage(
  exchange: Pick<DownstreamExchange, 'writeHead' | 'end'>,
  status: number,
  message: string,
  extraHeaders: readonly string[],
): void {
  const body = Buffer.from(`${message}\n`, 'utf8');
  exchange.writeHead(
    status,
    reasonPhrase(status),
    [...extraHeaders, 'Content-Type', 'text/plain; charset=utf-8', 'Content-Length', String(body.length)],
    body.length,
  );
  exchange.end(body);
}
