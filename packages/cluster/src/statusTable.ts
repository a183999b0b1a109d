import type { ControlStatus } from './controlProtocol.js';

/** `95s` → `1m 35s`, as `pm2 ls` shows uptime: the two largest units. */
export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const units: Array<[string, number]> = [
    ['d', Math.floor(s / 86_400)],
    ['h', Math.floor(s / 3_600) % 24],
    ['m', Math.floor(s / 60) % 60],
    ['s', s % 60],
  ];
  const first = units.findIndex(([, value]) => value > 0);
  if (first === -1) return '0s';
  return units
    .slice(first, first + 2)
    .filter(([, value]) => value > 0)
    .map(([unit, value]) => `${value}${unit}`)
    .join(' ');
}

/** Bytes as `41.2 MB`; `-` before the first memory report. */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return '-';
  const mb = bytes / (1024 * 1024);
  return mb >= 1024 ? `${(mb / 1024).toFixed(1)} GB` : `${mb.toFixed(1)} MB`;
}

/** CPU as `12%`; `-` before the second usage report. */
function formatCpu(percent: number | undefined): string {
  return percent === undefined ? '-' : `${percent.toFixed(0)}%`;
}

/**
 * The `lb status` table: one row per worker of every cluster, like `pm2 ls`, then one line per primary with its
 * pid and address. Pure.
 */
export function statusTable(clusters: readonly ControlStatus[]): string {
  const header = ['name', 'slot', 'pid', 'state', 'restarts', 'uptime', 'cpu', 'memory'];
  const rows = clusters.flatMap((cluster) =>
    cluster.workers.map((w) => [
      cluster.name,
      String(w.id),
      String(w.pid ?? '-'),
      w.state,
      String(w.restarts),
      formatDuration(w.uptime),
      formatCpu(w.cpuPercent),
      formatBytes(w.memory),
    ]),
  );
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const primaries = clusters.map((c) => {
    const where = c.address === undefined ? '' : `, on ${c.address.host}:${c.address.port}`;
    return `${c.name}: primary pid ${c.pid}, up ${formatDuration(c.uptime)}${where}`;
  });
  return `${[line(header), ...rows.map(line), '', ...primaries].join('\n')}\n`;
}
