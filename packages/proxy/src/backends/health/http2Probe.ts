import type { Backend, UpstreamTlsOptions } from '@lb/core';
import { encodeGrpcFrame, GrpcFrameDecoder } from '../../protocol/grpc/grpcFraming.js';
import { decodeGrpcMessage } from '../../protocol/grpc/grpcMessage.js';
import { fieldValue } from '../../protocol/grpc/grpcRequest.js';
import { GrpcStatus, grpcStatusName, parseGrpcStatus } from '../../protocol/grpc/grpcStatus.js';
import {
  decodeHealthCheckResponse,
  encodeHealthCheckRequest,
  ServingStatus,
} from '../../protocol/grpc/healthMessages.js';
import { connectSession } from '../../protocol/http2/connectSession.js';
import { ErrorCode } from '../../protocol/http2/frames/frameKinds.js';
import { toHttp2Request } from '../../protocol/http2/http2Headers.js';
import type { Http2Session, Http2SessionEvents } from '../../protocol/http2/session/http2Session.js';
import type { Http2StreamHandler } from '../../protocol/http2/session/http2Stream.js';

/** The result of one probe: `ok`, or the reason it failed. */
export type Http2ProbeResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** What an HTTP/2 probe asks: `GET path` (2xx passes) or the gRPC health service about `service`. */
export type Http2ProbeCheck =
  | { readonly kind: 'http'; readonly path: string }
  | { readonly kind: 'grpc'; readonly service: string };

const HEALTH_CHECK_PATH = '/grpc.health.v1.Health/Check';
/** A health answer is a few bytes; anything near this is not one. */
const MAX_HEALTH_MESSAGE = 64 * 1024;
const servingNames = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

const passed: Http2ProbeResult = { ok: true };

/** The fields a probe sends besides the pseudo-headers. */
const httpProbeHeaders = ['user-agent', 'lb-health-check'];
const grpcProbeHeaders = [...httpProbeHeaders, 'content-type', 'application/grpc', 'te', 'trailers'];

/** One probe: its session's events and its stream's, reduced to a verdict. */
class Probe implements Http2SessionEvents {
  private finished = false;
  private readonly session: Http2Session;
  private readonly decoder = new GrpcFrameDecoder(MAX_HEALTH_MESSAGE);
  private serving: number | undefined;
  private headSeen = false;

  constructor(
    backend: Backend,
    tls: UpstreamTlsOptions | undefined,
    private readonly check: Http2ProbeCheck,
    private readonly done: (result: Http2ProbeResult) => void,
  ) {
    const { session, authority, scheme } = connectSession(backend, tls, this);
    this.session = session;
    const grpc = check.kind === 'grpc';
    const fields = toHttp2Request(
      {
        method: grpc ? 'POST' : 'GET',
        path: grpc ? HEALTH_CHECK_PATH : check.path,
        scheme,
        defaultAuthority: authority,
      },
      grpc ? grpcProbeHeaders : httpProbeHeaders,
    );
    const handler: Http2StreamHandler = {
      onHeaders: (block) => this.onHeaders(block),
      onData: (chunk, endStream) => this.onData(chunk, endStream),
      onDrain() {},
      onClose: (code) => this.onStreamClose(code),
    };
    const stream = session.request(fields, !grpc, handler);
    if (check.kind === 'grpc')
      stream?.sendData(encodeGrpcFrame(encodeHealthCheckRequest(check.service)), true);
  }

  finish(result: Http2ProbeResult): void {
    if (this.finished) return;
    this.finished = true;
    this.session.destroy(ErrorCode.NO_ERROR, 'the probe ended');
    this.done(result);
  }

  cancel(): void {
    this.finished = true;
    this.session.destroy(ErrorCode.NO_ERROR, 'the probe ended');
  }

  onStream(): void {}

  onReady(): void {}

  onGoaway(): void {}

  onAbuse(): void {}

  onClose(): void {
    this.finish({ ok: false, reason: this.lost() });
  }

  /** Why the session ended, short: the socket's error code (`ECONNREFUSED`), else the session's reason. */
  private lost(): string {
    const error = this.session.error as (Error & { code?: string }) | undefined;
    return error?.code ?? this.session.reason ?? 'connection closed before a response';
  }

  private onHeaders(fields: string[] | undefined): void {
    if (fields === undefined) {
      this.finish({ ok: false, reason: 'response header list too large' });
      return;
    }
    const status = fieldValue(fields, ':status');
    if (this.check.kind === 'http') {
      const code = Number(status);
      if (code >= 100 && code < 200) return;
      this.finish(code >= 200 && code < 300 ? passed : { ok: false, reason: `status ${status}` });
      return;
    }
    if (!this.headSeen && status !== undefined) {
      this.headSeen = true;
      const type = fieldValue(fields, 'content-type') ?? '';
      if (status !== '200') {
        this.finish({ ok: false, reason: `status ${status}` });
        return;
      }
      if (!/^application\/grpc(?:[+;]|$)/.test(type)) {
        this.finish({ ok: false, reason: `not a gRPC answer (content-type ${type || 'none'})` });
        return;
      }
    }
    this.verdict(fields);
  }

  private onData(chunk: Buffer, endStream: boolean): void {
    if (this.check.kind === 'grpc' && chunk.length > 0) {
      try {
        for (const frame of this.decoder.push(chunk)) {
          // The probe asks for no compression, so a compressed answer cannot be read.
          if (frame.compressed) this.finish({ ok: false, reason: 'compressed health answer' });
          else this.serving = decodeHealthCheckResponse(frame.message).status;
        }
      } catch (err) {
        this.finish({ ok: false, reason: `invalid health answer: ${(err as Error).message}` });
      }
    }
    if (endStream) this.finish({ ok: false, reason: 'no grpc-status in the answer' });
  }

  private onStreamClose(code: number): void {
    if (code === ErrorCode.NO_ERROR) return;
    this.finish({ ok: false, reason: this.session.destroyed ? this.lost() : `stream reset (code ${code})` });
  }

  /** The verdict of a gRPC answer: the serving status from the message, the result from `grpc-status`. */
  private verdict(fields: readonly string[]): void {
    const raw = fieldValue(fields, 'grpc-status');
    if (raw === undefined) return;
    const code = parseGrpcStatus(raw);
    if (code !== GrpcStatus.OK) {
      const message = fieldValue(fields, 'grpc-message');
      const detail = message !== undefined && message !== '' ? `: ${decodeGrpcMessage(message)}` : '';
      this.finish({ ok: false, reason: `grpc-status ${grpcStatusName(code)}${detail}` });
    } else if (this.serving === ServingStatus.SERVING) {
      this.finish(passed);
    } else {
      const name =
        this.serving === undefined ? 'no answer' : (servingNames[this.serving] ?? `status ${this.serving}`);
      this.finish({ ok: false, reason: `health ${name}` });
    }
  }
}

/**
 * Probes one HTTP/2 backend once on a session of its own (closed after the answer, so a probe never holds
 * one): `http` passes on a 2xx; `grpc` calls `grpc.health.v1.Health/Check` and passes only on `SERVING` with
 * `grpc-status: 0`. `done` runs exactly once unless the returned function cancels the probe first; the caller
 * bounds it in time.
 */
export function probeHttp2(
  backend: Backend,
  tls: UpstreamTlsOptions | undefined,
  check: Http2ProbeCheck,
  done: (result: Http2ProbeResult) => void,
): () => void {
  const probe = new Probe(backend, tls, check, done);
  return () => probe.cancel();
}
