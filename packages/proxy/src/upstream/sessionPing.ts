import type { ClientHttp2Session } from 'node:http2';
import { LbError } from '@lb/core';

/** Checks per interval: a session is PINGed between 1 and 1 + 1/TICKS intervals after its last byte. */
const TICKS = 4;

/** When a session is PINGed and how long its backend has to answer, in milliseconds. */
export interface SessionPingTimes {
  readonly interval: number;
  readonly timeout: number;
}

/**
 * The keepalive of one upstream HTTP/2 session (Envoy's `connection_keepalive`, grpc-js's `keepaliveTimeMs`):
 * {@link TICKS} times an interval it looks whether the socket read anything; after a whole interval of silence it
 * sends a PING, and destroys the session with `LB_ERR_UPSTREAM_PING_TIMEOUT` when no acknowledgement comes within
 * `timeout`, so a backend that froze without closing stops holding calls.
 *
 * Silence is read off the socket's byte count, so a busy session costs no PING and no per-frame work. After an
 * acknowledged PING the next one waits until the backend sent something or a stream was opened: gRPC servers
 * (grpc-go, grpc-core) count PINGs that come without data in between and close the connection after a few
 * (`too_many_pings`), and a quiet long-lived stream must not be cut for it.
 */
export class SessionPing {
  private readonly timer: NodeJS.Timeout;
  private deadline: NodeJS.Timeout | undefined;
  private bytesSeen = 0;
  /** Checks in a row that found nothing read. */
  private silentTicks = 0;
  /** Something was heard or a stream opened since the last acknowledged PING. */
  private armed = true;

  constructor(
    private readonly session: ClientHttp2Session,
    private readonly times: SessionPingTimes,
  ) {
    this.bytesSeen = this.bytesRead();
    this.timer = setInterval(() => this.tick(), times.interval / TICKS).unref();
  }

  /** A stream went out on the session: its answer is awaited, so silence from here is worth a PING. */
  streamOpened(): void {
    this.armed = true;
  }

  /** The session closed: no more PINGs. */
  stop(): void {
    clearInterval(this.timer);
    clearTimeout(this.deadline);
  }

  private bytesRead(): number {
    // The session's socket is gone once it is destroyed.
    return this.session.socket?.bytesRead ?? this.bytesSeen;
  }

  private tick(): void {
    // Node cancels a PING on a closing session (after a GOAWAY, or reaped): its last streams are bounded by
    // `responseTimeout` and `idleTimeout` alone.
    if (this.deadline !== undefined || this.session.destroyed || this.session.closed) return;
    const read = this.bytesRead();
    if (read !== this.bytesSeen) {
      this.bytesSeen = read;
      this.silentTicks = 0;
      this.armed = true;
      return;
    }
    if (++this.silentTicks >= TICKS && this.armed) this.ping();
  }

  private ping(): void {
    const sent = this.session.ping((err) => {
      clearTimeout(this.deadline);
      this.deadline = undefined;
      if (err !== null) return;
      // The acknowledgement itself was read: silence is counted from it.
      this.bytesSeen = this.bytesRead();
      this.silentTicks = 0;
      this.armed = false;
    });
    if (!sent) return;
    const { timeout } = this.times;
    this.deadline = setTimeout(() => {
      this.deadline = undefined;
      const message = `the backend did not acknowledge an HTTP/2 PING within ${timeout} ms`;
      this.session.destroy(new LbError('LB_ERR_UPSTREAM_PING_TIMEOUT', message));
    }, timeout).unref();
  }
}
