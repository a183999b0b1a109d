import type { Writable } from 'node:stream';
import type { ClusterManager } from './clusterManager.js';
import { type ControlEnvironment, controlAddress } from './controlAddress.js';
import { type ControlStatus, maxLogLines } from './controlProtocol.js';
import { ControlServer } from './controlServer.js';
import { LogBuffer } from './logBuffer.js';
import { tapLines } from './logTap.js';

/**
 * The control side of a cluster (`control: true`): its socket for `lb status|logs|reload|stop|scale`, and the
 * ring of recent output lines `lb logs` reads.
 */
export class ClusterControl {
  readonly logs = new LogBuffer(maxLogLines);
  private readonly server: ControlServer;
  private startedAt = Date.now();

  constructor(
    private readonly cluster: ClusterManager,
    readonly name: string,
    env: ControlEnvironment,
  ) {
    this.server = new ControlServer(controlAddress(name, env), {
      status: () => this.status(),
      reload: () => cluster.reload(),
      stop: () => cluster.stop(),
      scale: (processes) => cluster.scale(processes),
      logs: this.logs,
    });
  }

  /** `sink`, with every line it gets also kept for `lb logs`. */
  tap(sink: Writable, stream: 'stdout' | 'stderr'): Writable {
    return tapLines(sink, stream, this.logs);
  }

  /** Takes the name; rejects with `LB_ERR_CONTROL_NAME_IN_USE` if a running primary has it. */
  listen(): Promise<void> {
    this.startedAt = Date.now();
    return this.server.listen();
  }

  close(): void {
    this.server.close();
  }

  private status(): ControlStatus {
    const { cluster } = this;
    return {
      name: this.name,
      pid: process.pid,
      uptime: Date.now() - this.startedAt,
      address: cluster.address,
      workers: cluster.workers,
    };
  }
}
