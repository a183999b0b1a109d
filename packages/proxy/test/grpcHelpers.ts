import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { Backend } from '@lb/core';
import { onCleanup } from './helpers.js';

/** A request of the `lbtest.Echo` fixture service. */
export interface EchoRequest {
  text: string;
  delayMs?: number;
  count?: number;
}

/** A reply of the `lbtest.Echo` fixture service: the text and which backend answered. */
export interface EchoReply {
  text: string;
  backend: string;
}

const definition = protoLoader.loadSync(
  fileURLToPath(new URL('./fixtures/grpc/echo.proto', import.meta.url)),
  {
    defaults: true,
  },
);
const proto = grpc.loadPackageDefinition(definition) as unknown as {
  lbtest: { Echo: grpc.ServiceClientConstructor };
};

/** A client of the fixture service, with typed methods for what the tests call. */
export interface EchoClient extends grpc.Client {
  Unary(
    req: EchoRequest,
    options: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, reply?: EchoReply) => void,
  ): grpc.ClientUnaryCall;
  Unary(
    req: EchoRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, reply?: EchoReply) => void,
  ): grpc.ClientUnaryCall;
  Slow(
    req: EchoRequest,
    options: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, reply?: EchoReply) => void,
  ): grpc.ClientUnaryCall;
  ServerStream(req: EchoRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<EchoReply>;
  ClientStream(
    options: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, reply?: EchoReply) => void,
  ): grpc.ClientWritableStream<EchoRequest>;
  Bidi(options?: grpc.CallOptions): grpc.ClientDuplexStream<EchoRequest, EchoReply>;
}

/** How {@link echoClient} connects when not in plain HTTP/2 to `127.0.0.1`. */
export interface EchoClientOptions {
  /** `host:port` to dial instead of `127.0.0.1:<port>` (a name the server certificate holds, for TLS). */
  readonly target?: string;
  readonly credentials?: grpc.ChannelCredentials;
  /** More grpc-js channel options (`grpc.max_receive_message_length`, …). */
  readonly channelOptions?: grpc.ChannelOptions;
}

/** A grpc-js channel to `port` on loopback, plain HTTP/2; `channel` > 0 keeps channels apart (no sharing). */
export function echoClient(port: number, channel = 0, options: EchoClientOptions = {}): EchoClient {
  const target = options.target ?? `127.0.0.1:${port}`;
  const credentials = options.credentials ?? grpc.credentials.createInsecure();
  const client = new proto.lbtest.Echo(target, credentials, {
    'grpc.lb_test_channel': channel,
    'grpc.use_local_subchannel_pool': 1,
    ...options.channelOptions,
  }) as unknown as EchoClient;
  onCleanup(() => client.close());
  return client;
}

/** Calls Unary and resolves with the reply or the error (never rejects). */
export function unary(
  client: EchoClient,
  req: EchoRequest,
  options: grpc.CallOptions = {},
): Promise<{ reply?: EchoReply; error?: grpc.ServiceError }> {
  return new Promise((resolve) =>
    client.Unary(req, options, (error, reply) => resolve(error ? { error } : { reply })),
  );
}

/** One grpc-js server of the fixture service; what it saw, for assertions. */
export interface EchoServer {
  readonly backend: Backend;
  readonly server: grpc.Server;
  /** Calls received, any method. */
  calls: number;
  /** Calls whose client (the balancer) cancelled them. */
  cancelled: number;
  /** Called once each on the next cancellation. */
  readonly onCancel: Array<() => void>;
  /** Called once each when a server stream first has to wait for the client to read (backpressure). */
  readonly onBlocked: Array<(sent: number) => void>;
  /**
   * Called once each when a client stream whose first message is `hold` arrives: the server stops reading it
   * (backpressure) until `resume` is called, and then answers with counts instead of the texts.
   */
  readonly onHeld: Array<(resume: () => void) => void>;
  /** Milliseconds each call had left by its deadline when it arrived (`Infinity` without one). */
  readonly deadlinesLeftMs: number[];
}

/** Starts a grpc-js server of the fixture service on an ephemeral loopback port, plain HTTP/2. */
export async function startEchoServer(
  id: string,
  options: { failWith?: grpc.status; serverOptions?: grpc.ServerOptions } = {},
): Promise<EchoServer> {
  const failure =
    options.failWith === undefined ? null : { code: options.failWith, details: `${id} fails on purpose` };
  const server = new grpc.Server(options.serverOptions);
  const state: EchoServer = {
    backend: { id, host: '127.0.0.1', port: 0, protocol: 'h2c' },
    server,
    calls: 0,
    cancelled: 0,
    onCancel: [],
    onBlocked: [],
    onHeld: [],
    deadlinesLeftMs: [],
  };
  const watch = (call: {
    on(event: 'cancelled', fn: () => void): unknown;
    getDeadline(): grpc.Deadline;
  }): void => {
    state.calls++;
    const deadline = call.getDeadline();
    state.deadlinesLeftMs.push((deadline instanceof Date ? deadline.getTime() : deadline) - Date.now());
    call.on('cancelled', () => {
      state.cancelled++;
      for (const fn of state.onCancel.splice(0)) fn();
    });
  };
  server.addService(proto.lbtest.Echo.service, {
    Unary: (call: grpc.ServerUnaryCall<EchoRequest, EchoReply>, reply: grpc.sendUnaryData<EchoReply>) => {
      watch(call);
      if (failure) reply(failure);
      else reply(null, { text: call.request.text, backend: id });
    },
    Slow: (call: grpc.ServerUnaryCall<EchoRequest, EchoReply>, reply: grpc.sendUnaryData<EchoReply>) => {
      watch(call);
      const timer = setTimeout(
        () => reply(null, { text: call.request.text, backend: id }),
        call.request.delayMs ?? 0,
      );
      call.on('cancelled', () => clearTimeout(timer));
    },
    ServerStream: (call: grpc.ServerWritableStream<EchoRequest, EchoReply>) => {
      watch(call);
      const total = call.request.count ?? 0;
      let sent = 0;
      const more = (): void => {
        while (sent < total) {
          sent++;
          if (!call.write({ text: `${call.request.text}-${sent}`, backend: id })) {
            for (const fn of state.onBlocked.splice(0)) fn(sent);
            call.once('drain', more);
            return;
          }
        }
        call.end();
      };
      more();
    },
    ClientStream: (
      call: grpc.ServerReadableStream<EchoRequest, EchoReply>,
      reply: grpc.sendUnaryData<EchoReply>,
    ) => {
      watch(call);
      const texts: string[] = [];
      let held = false;
      let bytes = 0;
      call.on('data', (req: EchoRequest) => {
        if (texts.length === 0 && !held && req.text === 'hold') {
          held = true;
          call.pause();
          for (const fn of state.onHeld.splice(0)) fn(() => call.resume());
          return;
        }
        if (held) bytes += req.text.length;
        else texts.push(req.text);
      });
      call.on('end', () => {
        if (failure) reply(failure);
        else reply(null, { text: held ? `held, then read ${bytes} bytes` : texts.join(','), backend: id });
      });
    },
    Bidi: (call: grpc.ServerDuplexStream<EchoRequest, EchoReply>) => {
      watch(call);
      call.on('data', (req: EchoRequest) => call.write({ text: req.text, backend: id }));
      call.on('end', () => call.end());
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  );
  (state as { backend: Backend }).backend = { id, host: '127.0.0.1', port, protocol: 'h2c' };
  onCleanup(() => server.forceShutdown());
  return state;
}

export { grpc };
