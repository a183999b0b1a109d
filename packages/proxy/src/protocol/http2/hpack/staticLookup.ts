import { STATIC_COUNT, staticNames, staticValues } from './staticTable.js';

// The encoder's view of the static table, built once at module load: by name, the first index with that name
// and, for names with values in the table, the index of each value.

interface StaticName {
  readonly index: number;
  readonly values: Map<string, number>;
}

const byName = new Map<string, StaticName>();
for (let index = 1; index <= STATIC_COUNT; index++) {
  const name = staticNames[index]!;
  let entry = byName.get(name);
  if (entry === undefined) {
    entry = { index, values: new Map() };
    byName.set(name, entry);
  }
  if (!entry.values.has(staticValues[index]!)) entry.values.set(staticValues[index]!, index);
}

/**
 * Where a field stands in the static table: its index when name and value both match, minus the index of its
 * name when only the name does, 0 when neither.
 */
export function staticMatch(name: string, value: string): number {
  const entry = byName.get(name);
  if (entry === undefined) return 0;
  return entry.values.get(value) ?? -entry.index;
}
