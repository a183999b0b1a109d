// wrk as the proxy benchmarks run it: one thread, keep-alive connections, latency percentiles.

export interface WrkResult {
  requests: number;
  rps: number;
  /** Milliseconds. */
  p50: number;
  /** Milliseconds. */
  p99: number;
}

/**
 * The command line for `wrk -t1 -c<connections> -d<seconds>s --latency url`, killed 15 s past its duration, on
 * `cpu` when given (with taskset). `close`: every request asks for `Connection: close`, so each one opens a
 * connection of its own.
 */
export function wrkCommand(
  url: string,
  seconds: number,
  connections: number,
  cpu?: number,
  close = false,
): string[] {
  const wrk = ['timeout', '-k', '5', String(seconds + 15), 'wrk', '-t1', `-c${connections}`, `-d${seconds}s`];
  const command = [...wrk, ...(close ? ['-H', 'Connection: close'] : []), '--latency', url];
  return cpu === undefined ? command : ['taskset', '-c', String(cpu), ...command];
}

/** Reads wrk's report; socket errors and non-2xx responses are written to stderr. */
export function parseWrk(out: string): WrkResult {
  const toMs = (value: string, unit: string) =>
    Number(value) * (unit === 'us' ? 0.001 : unit === 's' ? 1000 : 1);
  const latency = (pct: string) => {
    const m = out.match(new RegExp(`\\s${pct}%\\s+([\\d.]+)(us|ms|s)`));
    return m ? toMs(m[1]!, m[2]!) : Number.NaN;
  };
  const errors = out.match(/Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)/);
  if (errors) process.stderr.write(`  wrk reported: ${errors[0]}\n`);
  return {
    requests: Number(out.match(/(\d+) requests in/)![1]),
    rps: Number(out.match(/Requests\/sec:\s+([\d.]+)/)![1]),
    p50: latency('50'),
    p99: latency('99'),
  };
}
