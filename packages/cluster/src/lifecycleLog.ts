import type { EventEmitter } from 'node:events';
import type { ClusterConfig, TypedEventEmitter } from '@lb/core';
import type { ClusterManagerEvents } from './clusterEvents.js';
import { formatBytes, formatDuration } from './humanUnits.js';
import type { PrimaryLog } from './primaryLog.js';

/**
 * Writes one line for every worker life-cycle event of a cluster (spawn, ready, exit, restart, give-up, memory),
 * so a crash or a replacement is never silent, with the numbers an operator needs: pid, port, exit code or
 * signal, uptime, restart delay, measured memory.
 */
export function logWorkerEvents(
  events: TypedEventEmitter<ClusterManagerEvents> & EventEmitter,
  log: PrimaryLog,
  config: ClusterConfig,
): void {
  events.on('workerStart', (w) => {
    const until = config.readiness === 'signal' ? 'it calls ready()' : `it listens on port ${w.port}`;
    log.write('spawn', `worker ${w.id} started (pid ${w.pid}); waiting until ${until}`, {
      worker: w.id,
      pid: w.pid,
      port: w.port,
    });
  });
  events.on('workerReady', (w) => {
    log.write('ready', `worker ${w.id} ready (pid ${w.pid}, port ${w.port})`, {
      worker: w.id,
      pid: w.pid,
      port: w.port,
    });
  });
  events.on('workerExit', (w, code, signal) => {
    const how = signal === null ? `exited with code ${code}` : `was killed by ${signal}`;
    log.write('exit', `worker ${w.id} (pid ${w.pid}) ${how} after ${formatDuration(w.uptime)}`, {
      worker: w.id,
      pid: w.pid,
      code,
      signal,
      uptime: w.uptime,
    });
  });
  events.on('workerRestart', (id, delay, attempt) => {
    const when = delay === 0 ? 'now' : `in ${formatDuration(delay)}`;
    log.write(
      'restart',
      `worker ${id} restarting ${when} (crash ${attempt} in a row; given up after ${config.maxRestarts})`,
      { worker: id, delay, attempt },
    );
  });
  events.on('workerCrashLoop', (id, error) => {
    log.write('giveUp', error.message, { worker: id, error: error.code });
  });
  events.on('workerMemoryLimit', (w, rss) => {
    log.write(
      'memory',
      `worker ${w.id} (pid ${w.pid}) uses ${formatBytes(rss)}, over maxMemory ${formatBytes(config.maxMemory ?? 0)}: replacing it with no request lost`,
      { worker: w.id, pid: w.pid, rss, maxMemory: config.maxMemory },
    );
  });
  events.on('memoryLimitTooLow', (w, rss) => {
    log.write(
      'memoryLimitTooLow',
      `worker ${w.id} (pid ${w.pid}) already uses ${formatBytes(rss)} as it starts, over maxMemory ${formatBytes(config.maxMemory ?? 0)}: it is not replaced for memory, as its replacement would be as big; raise --max-memory (maxMemory) above what a fresh worker needs`,
      { worker: w.id, pid: w.pid, rss, maxMemory: config.maxMemory },
    );
  });
}
