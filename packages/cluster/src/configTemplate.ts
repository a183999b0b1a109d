/** The starter `lb.config.mjs` that `lb init` writes: every commonly used option, with what it does. */
export function configTemplate(script: string, name: string): string {
  return `// lb.config.mjs: read by "lb start" in this directory (or "lb start --config <file>").
// One app per file. Flags given to "lb start" win over this file. Every ClusterConfig option is accepted by its
// name (see docs/cli.md); a misspelled one is refused with a suggestion.

/** @type {import('@lb/cluster').LbConfigFile} */
export default {
  // The app every worker runs (relative to this file) and its arguments. It listens on process.env.PORT.
  script: ${JSON.stringify(script)},
  args: [],
  // What "lb status", "lb logs", "lb reload", "lb stop" and "lb scale" reach it by.
  name: ${JSON.stringify(name)},
  // Workers: leave it out for one per available CPU.
  // processes: 4,
  // The public port of the load balancer (0 picks a free one).
  loadBalancerPort: 3000,
  // roundRobin, leastConnections, powerOfTwoChoices, peakEwma, ringHash, maglev, …
  strategy: 'roundRobin',
  // Added to every worker's environment, next to PORT, NODE_APP_INSTANCE and the LB_* variables.
  env: {
    NODE_ENV: 'production',
  },
  // How long in-flight requests may take on stop or reload before SIGKILL, in ms.
  shutdownTimeout: 10000,
  // Replace a worker gracefully above this resident memory, in bytes.
  // maxMemory: 512 * 1024 * 1024,
  // Serve /metrics, /status and a dashboard on 127.0.0.1:<adminPort>.
  // adminPort: 9090,
  // Reload the workers when a file in this directory changes (development), except in these paths.
  watch: false,
  watchIgnore: ['logs'],
};
`;
}
