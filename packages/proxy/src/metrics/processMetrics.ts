import { readdirSync, readFileSync } from 'node:fs';
import type { PrometheusWriter } from './prometheusText.js';

/**
 * Unix time of the process start in seconds. Rounded down, not to the nearest second as some clients do, so it is
 * never later than the real start (a process scraped in its first half second would otherwise start in the future).
 */
const startTimeSeconds = Math.floor(Date.now() / 1000 - process.uptime());

/** The soft `Max open files` limit from `/proc/self/limits`; `undefined` when it cannot be read or is unlimited. */
function maxFds(): number | undefined {
  const line = readFileSync('/proc/self/limits', 'latin1')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
  const value = Number(soft);
  return Number.isFinite(value) ? value : undefined;
}

/** `VmData` from `/proc/self/status` in bytes, what the Prometheus clients report as the heap. */
function heapBytes(): number | undefined {
  const match = /^VmData:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'latin1'));
  return match ? Number(match[1]) * 1024 : undefined;
}

/** Calls `read`, treating any failure (a missing `/proc`, a sandbox) as "not available". */
function tryRead(read: () => number | undefined): number | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

function gauge(out: PrometheusWriter, name: string, help: string, value: number | undefined): void {
  if (value === undefined) return;
  out.family(name, 'gauge', help);
  out.sample(name, undefined, value);
}

/**
 * Writes the standard `process_*` metrics under the names the Prometheus client libraries use, so existing
 * dashboards and alerts work unchanged. The file-descriptor and heap metrics read `/proc` and appear on Linux
 * only; a read that fails leaves its metric out rather than failing the scrape.
 */
export function writeProcessMetrics(out: PrometheusWriter): void {
  const cpu = process.cpuUsage();
  const user = cpu.user / 1e6;
  const system = cpu.system / 1e6;
  out.family('process_cpu_user_seconds_total', 'counter', 'User CPU time spent in seconds.');
  out.sample('process_cpu_user_seconds_total', undefined, user);
  out.family('process_cpu_system_seconds_total', 'counter', 'System CPU time spent in seconds.');
  out.sample('process_cpu_system_seconds_total', undefined, system);
  out.family('process_cpu_seconds_total', 'counter', 'Total user and system CPU time spent in seconds.');
  out.sample('process_cpu_seconds_total', undefined, user + system);
  gauge(
    out,
    'process_start_time_seconds',
    'Start time of the process since unix epoch in seconds.',
    startTimeSeconds,
  );
  gauge(out, 'process_resident_memory_bytes', 'Resident memory size in bytes.', process.memoryUsage.rss());
  if (process.platform !== 'linux') return;
  gauge(out, 'process_heap_bytes', 'Process heap size in bytes.', tryRead(heapBytes));
  gauge(
    out,
    'process_open_fds',
    'Number of open file descriptors.',
    tryRead(() => readdirSync('/proc/self/fd').length),
  );
  gauge(out, 'process_max_fds', 'Maximum number of open file descriptors.', tryRead(maxFds));
}
