import { PrometheusWriter } from './prometheusText.js';

/** Why a session was closed with `GOAWAY ENHANCE_YOUR_CALM`. */
export type Http2RefusalReason = 'rapidReset' | 'malformed' | 'flood';

/**
 * The HTTP/2 side's counters. They are series of their own, so the request, response and latency series every
 * dashboard already reads keep their labels and count both protocols; HTTP/1.1's share is the difference.
 */
export class Http2Metrics {
  sessions = 0;
  activeSessions = 0;
  requests = 0;
  private readonly refused: Record<Http2RefusalReason, number> = { rapidReset: 0, malformed: 0, flood: 0 };

  sessionRefused(reason: Http2RefusalReason): void {
    this.refused[reason]++;
  }

  /** The exposition text of these counters. */
  prometheus(): string {
    const out = new PrometheusWriter();
    out.family(
      'lb_http2_sessions_total',
      'counter',
      'HTTP/2 client sessions opened (ALPN h2 or prior knowledge).',
    );
    out.sample('lb_http2_sessions_total', undefined, this.sessions);
    out.family('lb_http2_active_sessions', 'gauge', 'HTTP/2 client sessions open now.');
    out.sample('lb_http2_active_sessions', undefined, this.activeSessions);
    out.family(
      'lb_http2_requests_total',
      'counter',
      'Requests that arrived as HTTP/2 streams (also in the lb_* request series).',
    );
    out.sample('lb_http2_requests_total', undefined, this.requests);
    out.family(
      'lb_http2_sessions_refused_total',
      'counter',
      'HTTP/2 sessions closed with GOAWAY ENHANCE_YOUR_CALM, by reason.',
    );
    out.sample('lb_http2_sessions_refused_total', { reason: 'rapid_reset' }, this.refused.rapidReset);
    out.sample('lb_http2_sessions_refused_total', { reason: 'malformed' }, this.refused.malformed);
    out.sample('lb_http2_sessions_refused_total', { reason: 'flood' }, this.refused.flood);
    return out.toString();
  }
}
