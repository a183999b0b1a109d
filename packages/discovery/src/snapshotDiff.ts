import { type DiscoveredBackend, discoveredBackendId } from '@lb/core';

/** Keeps the first entry of each `host:port` and sorts by it, so two answers in another order compare equal. */
export function normalizeBackends(backends: readonly DiscoveredBackend[]): DiscoveredBackend[] {
  const byKey = new Map<string, DiscoveredBackend>();
  for (const backend of backends) {
    const key = discoveredBackendId(backend);
    if (!byKey.has(key)) byKey.set(key, backend);
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, backend]) => backend);
}

const fields = [
  'host',
  'port',
  'weight',
  'priority',
  'zone',
  'nodeName',
  'ready',
  'serving',
  'terminating',
] as const satisfies readonly (keyof DiscoveredBackend)[];

/** Whether two normalized lists describe the same backends with the same attributes. */
export function sameBackends(a: readonly DiscoveredBackend[], b: readonly DiscoveredBackend[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((backend, i) => {
    const other = b[i];
    return other !== undefined && fields.every((field) => backend[field] === other[field]);
  });
}
