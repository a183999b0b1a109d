import { LbError } from '@lb/core';
import { ErrorCode } from '../protocol/http2/frames/frameKinds.js';
import type { Http2Session } from '../protocol/http2/session/http2Session.js';

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
    private readonly session: Http2Session,
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
    return this.session.socket.bytesRead;
  }

  private tick(): void {
    // A closing session (after a GOAWAY, or reaped) is not PINGed: its last streams are bounded by
    // `responseTimeout` and `idleTimeout` alone.
    if (this.deadline !== undefined || this.session.closing) return;
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
    this.session.ping((acknowledged) => {
      clearTimeout(this.deadline);
      this.deadline = undefined;
      if (!acknowledged) return;
      // The acknowledgement itself was read: silence is counted from it.
      this.bytesSeen = this.bytesRead();
      this.silentTicks = 0;
      this.armed = false;
    });
    const { timeout } = this.times;
    this.deadline = setTimeout(() => {
      this.deadline = undefined;
      const message = `the backend did not acknowledge an HTTP/2 PING within ${timeout} ms`;
      this.session.destroy(ErrorCode.CANCEL, message, new LbError('LB_ERR_UPSTREAM_PING_TIMEOUT', message));
    }, timeout).unref();
  }
}
