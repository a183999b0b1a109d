import { STATIC_COUNT, staticNames, staticValues } from './staticTable.js';

// The encoder's view of the static table, built once at module load: by name, its entries' values and indexes.
// A name has at most 7 (:status), so a scan of them costs less than a second Map lookup.

interface StaticName {
  readonly values: string[];
  readonly indexes: number[];
}

const byName = new Map<string, StaticName>();
for (let index = 1; index <= STATIC_COUNT; index++) {
  const name = staticNames[index]!;
  let entry = byName.get(name);
  if (entry === undefined) {
    entry = { values: [], indexes: [] };
    byName.set(name, entry);
  }
  entry.values.push(staticValues[index]!);
  entry.indexes.push(index);
}

/**
 * Where a field stands in the static table: its index when name and value both match, minus the index of its
 * name when only the name does, 0 when neither.
 */
export function staticMatch(name: string, value: string): number {
  const entry = byName.get(name);
  if (entry === undefined) return 0;
  const { values, indexes } = entry;
  for (let i = 0; i < values.length; i++) if (values[i] === value) return indexes[i]!;
  return -indexes[0]!;
}
