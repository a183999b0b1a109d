import { type ClientHttp2Stream, constants, type IncomingHttpHeaders } from 'node:http2';
import type { Backend, UpstreamTlsOptions } from '@lb/core';
import { encodeGrpcFrame, GrpcFrameDecoder } from '../../protocol/grpc/grpcFraming.js';
import { decodeGrpcMessage } from '../../protocol/grpc/grpcMessage.js';
import { GrpcStatus, grpcStatusName, parseGrpcStatus } from '../../protocol/grpc/grpcStatus.js';
import {
  decodeHealthCheckResponse,
  encodeHealthCheckRequest,
  ServingStatus,
} from '../../protocol/grpc/healthMessages.js';
import { connectSession } from '../../protocol/http2/connectSession.js';

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
  let finished = false;
  const { session, authority, scheme } = connectSession(backend, tls, { enablePush: false });
  const finish = (result: Http2ProbeResult): void => {
    if (finished) return;
    finished = true;
    session.destroy();
    done(result);
  };
  session.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, reason: err.code ?? err.message }));
  session.on('close', () => finish({ ok: false, reason: 'connection closed before a response' }));
  const grpc = check.kind === 'grpc';
  const stream = session.request(
    {
      ':method': grpc ? 'POST' : 'GET',
      ':scheme': scheme,
      ':authority': authority,
      ':path': grpc ? HEALTH_CHECK_PATH : check.path,
      'user-agent': 'lb-health-check',
      ...(grpc && { 'content-type': 'application/grpc', te: 'trailers' }),
    },
    { endStream: !grpc },
  );
  // A stream lost with its session carries the session's error (a refused connection, a bad certificate).
  let lost: NodeJS.ErrnoException | undefined;
  stream.on('error', (err: Error) => {
    lost = (err.cause as NodeJS.ErrnoException | undefined) ?? err;
  });
  if (grpc) {
    stream.end(encodeGrpcFrame(encodeHealthCheckRequest(check.service)));
    readGrpcAnswer(stream, finish);
  } else {
    stream.on('response', (headers) => {
      const status = Number(headers[':status']);
      finish(status >= 200 && status < 300 ? passed : { ok: false, reason: `status ${status}` });
    });
  }
  stream.on('close', () => {
    if (stream.rstCode !== constants.NGHTTP2_NO_ERROR) {
      const reason = lost?.code ?? lost?.message ?? `stream reset (code ${stream.rstCode})`;
      finish({ ok: false, reason });
    }
  });
  return () => {
    finished = true;
    session.destroy();
  };
}

/** Reads a health answer: the serving status from the message, the verdict from `grpc-status`. */
function readGrpcAnswer(stream: ClientHttp2Stream, finish: (result: Http2ProbeResult) => void): void {
  const decoder = new GrpcFrameDecoder(MAX_HEALTH_MESSAGE);
  let serving: number | undefined;
  const verdict = (headers: IncomingHttpHeaders): void => {
    const raw = headers['grpc-status'];
    if (raw === undefined) return;
    const code = parseGrpcStatus(typeof raw === 'string' ? raw : undefined);
    if (code !== GrpcStatus.OK) {
      const message = headers['grpc-message'];
      const detail = typeof message === 'string' && message !== '' ? `: ${decodeGrpcMessage(message)}` : '';
      finish({ ok: false, reason: `grpc-status ${grpcStatusName(code)}${detail}` });
    } else if (serving === ServingStatus.SERVING) {
      finish(passed);
    } else {
      const name = serving === undefined ? 'no answer' : (servingNames[serving] ?? `status ${serving}`);
      finish({ ok: false, reason: `health ${name}` });
    }
  };
  stream.on('response', (headers) => {
    const httpStatus = Number(headers[':status']);
    const type = headers['content-type'] ?? '';
    if (httpStatus !== 200) finish({ ok: false, reason: `status ${httpStatus}` });
    else if (!/^application\/grpc(?:[+;]|$)/.test(type)) {
      finish({ ok: false, reason: `not a gRPC answer (content-type ${type || 'none'})` });
    } else verdict(headers);
  });
  stream.on('data', (chunk: Buffer) => {
    try {
      for (const frame of decoder.push(chunk)) {
        // The probe asks for no compression, so a compressed answer cannot be read.
        if (frame.compressed) finish({ ok: false, reason: 'compressed health answer' });
        else serving = decodeHealthCheckResponse(frame.message).status;
      }
    } catch (err) {
      finish({ ok: false, reason: `invalid health answer: ${(err as Error).message}` });
    }
  });
  stream.on('trailers', (headers) => verdict(headers));
  stream.on('end', () => finish({ ok: false, reason: 'no grpc-status in the answer' }));
}
