/** A discovered backend's tier and whether it takes traffic now. */
export interface TierMember {
  /** SRV priority: lower serves first. */
  readonly priority: number;
  /** Whether the backend is up (health checks and outlier detection agree); a backend not yet added counts as up. */
  readonly up: boolean;
}

/**
 * The tier that serves: the lowest priority with at least one backend up; the others are backups and get no
 * new traffic. When no backend is up anywhere, the lowest tier, so traffic returns there first. `undefined` for
 * no backends.
 */
export function activePriority(members: Iterable<TierMember>): number | undefined {
  let lowestUp: number | undefined;
  let lowest: number | undefined;
  for (const { priority, up } of members) {
    if (lowest === undefined || priority < lowest) lowest = priority;
    if (up && (lowestUp === undefined || priority < lowestUp)) lowestUp = priority;
  }
  return lowestUp ?? lowest;
}
