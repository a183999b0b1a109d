/**
 * Loaded into every worker with `--require` (it is not part of the public API), so an unmodified app gets:
 * readiness reports (the port each server actually bound, or the error that kept it from binding), memory, CPU
 * and event-loop reports, shared-port connections handed over by the primary and ended gracefully before a
 * reload stops the worker, a graceful SIGTERM when the app has no handler of its own, and an exit when the
 * primary disappears (even through SIGKILL: the IPC channel closes with the primary, and that is our cue). It
 * patches only `net.Server.prototype.listen`, to learn about servers as they start.
 */
import net from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { type IpcMessage, isIpcMessage } from './ipcMessage.js';
import { KeepAliveDrain } from './keepAliveDrain.js';
import { WorkerEnv } from './workerEnv.js';

const orphanGrace = 3_000;
// Long enough for a client in the middle of a burst to send its next request (and get `Connection: close`),
// short enough that a reload is not held up long by connections nobody uses.
const idleGrace = 1_000;
const sweepInterval = 25;
const keepAliveDrain = new KeepAliveDrain(idleGrace);
// Sampled every 20 ms: fine enough to see a blocked loop, cheap enough to leave on in production.
const loopDelay = monitorEventLoopDelay({ resolution: 20 });
const servers = new Set<net.Server>();
const handedSockets = new Set<net.Socket>();
const waitingConnections: Array<{ socket: net.Socket; seq: number }> = [];
const workerPort = Number(process.env[WorkerEnv.workerPort]);
const shutdownTimeout = Number(process.env.LB_SHUTDOWN_TIMEOUT ?? 10_000);
/** Responses this worker's HTTP servers sent, by status class (index 0 = 1xx … 4 = 5xx), for the dashboard. */
const responses = [0, 0, 0, 0, 0];
let appServer: net.Server | undefined;
let shuttingDown = false;

function send(message: IpcMessage, socket?: net.Socket): void {
  if (!process.connected || typeof process.send !== 'function') return;
  try {
    process.send(message, socket);
  } catch {
    // The channel closed between the check and the send: the primary is gone and 'disconnect' handles it.
  }
}

/** Answers the primary's periodic query: memory (also for `maxMemory`), CPU time and event-loop lag. */
function reportUsage(): void {
  const cpu = process.cpuUsage();
  // Nanoseconds; the histogram restarts so each report covers only the interval since the previous one.
  const lag = loopDelay.count === 0 ? 0 : loopDelay.percentile(99) / 1e9;
  loopDelay.reset();
  send({
    __lb: 'memory',
    rss: process.memoryUsage.rss(),
    cpu: (cpu.user + cpu.system) / 1e6,
    lag,
    responses: [...responses],
  });
}

function adopt(socket: net.Socket, seq: number): void {
  if (appServer === undefined || shuttingDown) {
    waitingConnections.push({ socket, seq });
    return;
  }
  handedSockets.add(socket);
  socket.once('close', () => handedSockets.delete(socket));
  // What net.Server does for a connection it accepts itself; http servers default to noDelay, and without it
  // Nagle's algorithm and delayed ACKs add up to 40 ms to small responses.
  const options = appServer as net.Server & {
    noDelay?: boolean;
    keepAlive?: boolean;
    keepAliveInitialDelay?: number;
  };
  if (options.noDelay) socket.setNoDelay(true);
  if (options.keepAlive) socket.setKeepAlive(true, options.keepAliveInitialDelay);
  appServer.emit('connection', socket);
  send({ __lb: 'accepted', seq });
}

/** Counts a response by its status class once it is sent; a response cut short is not one. */
function countResponse(_req: unknown, res: unknown): void {
  // A server of the app's own may emit 'request' with anything: count only what looks like a response stream.
  const response = res as { statusCode?: unknown; once?: unknown } | null | undefined;
  if (typeof response?.once !== 'function') return;
  (response as { once(event: 'finish', cb: () => void): void }).once('finish', () => {
    const status = typeof response.statusCode === 'number' ? response.statusCode : 0;
    if (status >= 100 && status < 1000) responses[Math.min(Math.floor(status / 100), 5) - 1]! += 1;
  });
}

function onListening(server: net.Server): void {
  servers.add(server);
  // Only HTTP servers emit 'request'; an added listener changes nothing for the app's own.
  server.on('request', countResponse);
  keepAliveDrain.watch(server);
  server.once('close', () => servers.delete(server));
  const address = server.address();
  if (address === null || typeof address !== 'object') return;
  if (address.port === workerPort && appServer === undefined) {
    appServer = server;
    for (const waiting of waitingConnections.splice(0)) adopt(waiting.socket, waiting.seq);
  }
  send({ __lb: 'listening', port: address.port });
}

const originalListen = net.Server.prototype.listen;
net.Server.prototype.listen = function listen(this: net.Server, ...args: unknown[]) {
  const onError = (err: NodeJS.ErrnoException & { port?: number }) => {
    this.off('listening', onBound);
    if (typeof err.port === 'number')
      send({ __lb: 'listenError', port: err.port, code: err.code ?? 'ERROR' });
    // We only watch: an app without its own 'error' listener must crash on this error as it would without us.
    if (this.listenerCount('error') === 0) throw err;
  };
  const onBound = () => {
    this.off('error', onError);
    onListening(this);
  };
  this.once('listening', onBound);
  this.once('error', onError);
  return (originalListen as (...a: unknown[]) => net.Server).apply(this, args);
} as typeof net.Server.prototype.listen;

function closeIdle(closing: Iterable<net.Server>): void {
  for (const server of closing) {
    const idleCloser = (server as net.Server & { closeIdleConnections?: () => void }).closeIdleConnections;
    idleCloser?.call(server);
  }
}

/** Ends the handed-over connections gracefully (see KeepAliveDrain), then tells the primary they are closed. */
function drain(): void {
  const stopSweeping = keepAliveDrain.start(sweepInterval);
  const check = setInterval(() => {
    if (handedSockets.size > 0) return;
    clearInterval(check);
    stopSweeping();
    send({ __lb: 'drained' });
  }, sweepInterval);
  check.unref();
}

function shutDown(timeout: number): void {
  if (shuttingDown) return;
  shuttingDown = true;
  // A response still to come must not invite the client to reuse a connection we are about to close.
  keepAliveDrain.start(sweepInterval);
  for (const waiting of waitingConnections.splice(0)) waiting.socket.destroy();
  const closing = [...servers];
  let open = closing.length;
  const finish = () => {
    if (open === 0 && handedSockets.size === 0) process.exit(0);
  };
  for (const server of closing) {
    server.close(() => {
      open -= 1;
      finish();
    });
  }
  closeIdle(closing);
  // Keep-alive sockets turn idle only after their last response: close them as they do.
  const sweep = setInterval(() => {
    closeIdle(closing);
    finish();
  }, 25);
  sweep.unref();
  setTimeout(() => process.exit(0), timeout).unref();
  finish();
}

if (process.env[WorkerEnv.scalingMode] === 'worker' && typeof process.send === 'function') {
  loopDelay.enable();
  process.on('message', (message: unknown, handle: unknown) => {
    if (!isIpcMessage(message)) return;
    if (message.__lb === 'memoryQuery') reportUsage();
    else if (message.__lb === 'connection' && handle instanceof net.Socket) adopt(handle, message.seq);
    else if (message.__lb === 'drain') drain();
  });
  process.on('disconnect', () => shutDown(Math.min(shutdownTimeout, orphanGrace)));
  process.on('SIGTERM', function onSigterm() {
    // An app with its own SIGTERM handler decides how to stop; we only stand in for the default (instant death).
    if (process.listeners('SIGTERM').some((listener) => listener !== onSigterm)) return;
    shutDown(shutdownTimeout);
  });
  // The channel must not keep a worker alive that has nothing else to do.
  process.channel?.unref();
}
