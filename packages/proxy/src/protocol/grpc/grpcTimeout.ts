/** Milliseconds per `grpc-timeout` unit (`grpc/doc/PROTOCOL-HTTP2.md`: Hours, Minutes, Seconds, milli, micro, nano). */
const unitMs: Readonly<Record<string, number>> = {
  H: 3_600_000,
  M: 60_000,
  S: 1000,
  m: 1,
  u: 1e-3,
  n: 1e-6,
};

const timeoutSyntax = /^([0-9]{1,8})([HMSmun])$/;

/**
 * Reads a `grpc-timeout` value (1 to 8 digits and a unit) as milliseconds. A value that does not follow the
 * syntax gives `undefined`: the spec has it ignored, as if the call had no deadline.
 */
export function parseGrpcTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = timeoutSyntax.exec(value);
  if (match === null) return undefined;
  return Number(match[1]) * unitMs[match[2]!]!;
}

/** The finest unit first, so a value loses as little precision as 8 digits allow. */
const formatOrder = ['n', 'u', 'm', 'S', 'M', 'H'] as const;
const MAX_VALUE = 99_999_999;

/**
 * Writes a deadline of `ms` milliseconds as a `grpc-timeout` value: the finest unit whose value fits in 8
 * digits, rounded up so the deadline is never shortened; negative or `NaN` counts as 0, and a deadline beyond
 * what 8 digits of hours hold is capped there.
 */
export function formatGrpcTimeout(ms: number): string {
  const value = Number.isNaN(ms) || ms < 0 ? 0 : ms;
  for (const unit of formatOrder) {
    // Rounded to whole nanoseconds first, so 1.5 ms is 1500000n and not 1500001n from float error.
    const count = Math.ceil(Math.round((value / unitMs[unit]!) * 1e6) / 1e6);
    if (count <= MAX_VALUE) return `${count}${unit}`;
  }
  return `${MAX_VALUE}H`;
}
