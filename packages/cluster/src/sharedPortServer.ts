import net from 'node:net';
import { LbError } from '@lb/core';
import type { WorkerProcess } from './workerProcess.js';

interface Handoff {
  readonly socket: net.Socket;
  worker: WorkerProcess | undefined;
}

/**
 * Shared-port mode without a proxy hop: the primary accepts each connection (paused, nothing read) and hands the
 * socket to a worker over IPC, round robin, as `node:cluster` does. Unlike `node:cluster`, it keeps its own copy
 * of the socket until the worker confirms it took it over; if the worker dies first, the connection goes to
 * another worker instead of hanging forever on a dead one.
 */
export class SharedPortServer {
  private readonly server = net.createServer({ pauseOnConnect: true }, (socket) => this.dispatch(socket));
  private readonly workers: WorkerProcess[] = [];
  private readonly handoffs = new Map<number, Handoff>();
  private readonly queue: net.Socket[] = [];
  private readonly handed = new Map<number, number>();
  private next = 0;
  private seq = 0;
  private closed = false;

  constructor(
    private readonly port: number,
    private readonly host: string | undefined,
  ) {}

  /** Starts accepting; rejects with `LB_ERR_LISTEN_FAILED` when the port cannot be bound. */
  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) =>
        reject(
          new LbError('LB_ERR_LISTEN_FAILED', `Shared port ${this.port} could not be bound: ${err.message}`, {
            cause: err,
          }),
        );
      this.server.once('error', onError);
      this.server.listen({ port: this.port, host: this.host }, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
  }

  /** The bound address, once listening. */
  get address(): { host: string; port: number } | undefined {
    const address = this.server.address();
    return typeof address === 'object' && address !== null
      ? { host: address.address, port: address.port }
      : undefined;
  }

  /** Connections each slot's workers took over, keyed by slot id (for `lb_worker_connections_total`). */
  get handedOver(): ReadonlyMap<number, number> {
    return this.handed;
  }

  /** Starts sending new connections to `worker` (it must be ready). */
  addWorker(worker: WorkerProcess): void {
    if (this.workers.includes(worker)) return;
    this.workers.push(worker);
    worker.on('accepted', (seq) => this.onAccepted(seq, worker.slot));
    worker.once('gone', () => this.onGone(worker));
    for (const socket of this.queue.splice(0)) this.dispatch(socket);
  }

  /** Stops sending new connections to `worker`; connections it already took stay with it. */
  removeWorker(worker: WorkerProcess): void {
    const index = this.workers.indexOf(worker);
    if (index !== -1) this.workers.splice(index, 1);
  }

  /**
   * Stops accepting and drops connections no worker has taken yet. Connections workers own stay open: they end
   * as the workers shut down, so this does not wait for them (`server.close`'s callback would, and the workers
   * only get their SIGTERM after this).
   */
  close(): void {
    this.closed = true;
    for (const socket of this.queue.splice(0)) socket.destroy();
    for (const handoff of this.handoffs.values()) handoff.socket.destroy();
    this.handoffs.clear();
    this.server.close();
  }

  private dispatch(socket: net.Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    const worker = this.pick();
    if (worker === undefined) {
      // No worker can take it right now (all restarting): hold it until one is ready.
      this.queue.push(socket);
      return;
    }
    const seq = ++this.seq;
    this.handoffs.set(seq, { socket, worker });
    if (!worker.send({ __lb: 'connection', seq }, socket)) {
      this.handoffs.delete(seq);
      this.removeWorker(worker);
      this.dispatch(socket);
    }
  }

  private pick(): WorkerProcess | undefined {
    for (let tried = 0; tried < this.workers.length; tried++) {
      const worker = this.workers[this.next++ % this.workers.length];
      if (worker?.connected) return worker;
    }
    return undefined;
  }

  private onAccepted(seq: number, slot: number): void {
    const handoff = this.handoffs.get(seq);
    if (handoff === undefined) return;
    this.handoffs.delete(seq);
    this.handed.set(slot, (this.handed.get(slot) ?? 0) + 1);
    // The worker holds its own descriptor now; closing ours does not end the connection.
    handoff.socket.destroy();
  }

  private onGone(worker: WorkerProcess): void {
    this.removeWorker(worker);
    // 'gone' comes after every message the worker sent was read, so anything still pending was never taken.
    for (const [seq, handoff] of this.handoffs) {
      if (handoff.worker !== worker) continue;
      this.handoffs.delete(seq);
      this.dispatch(handoff.socket);
    }
  }
}
