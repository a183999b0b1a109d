/** The text of `lb --help`. */
export const cliHelp = `Usage: lb start <app> [options] [-- <app arguments>]
       lb start [--config <file>] [options]      (the app and its settings from lb.config.mjs or .json)
       lb status [<name>] [--json]               (also: lb ls)
       lb logs [<name>] [-f] [--lines <n>]
       lb reload [<name>]
       lb stop [<name>]
       lb scale [<name>] <n>
       lb init [<app>] [--force]

Runs <app> (any Node.js HTTP server that listens on the PORT environment variable) as a cluster of worker
processes behind the @lb load balancer. Ctrl-C or SIGTERM stops it gracefully; SIGHUP reloads every worker
with no request lost. A running lb answers status, logs, reload, stop and scale from the same user over a
private local socket, found by its name; no daemon is involved. Without <name>, these commands reach the one
lb running (status lists them all).

Options of start:
  -i, --instances <n>        number of workers: a count, "max" (every available CPU) or -n (all CPUs but n)
                             (default: max)
  -p, --port <port>          public port (default: 3000; 0 picks a free one)
      --host <host>          interface of the public port (default: all interfaces)
      --strategy <name>      roundRobin, weightedRoundRobin, leastConnections, random, powerOfTwoChoices,
                             peakEwma, ringHash, maglev or first (default: roundRobin)
      --shared-port          no balancer: every worker serves --port directly (raw throughput, no L7 features)
      --readiness <mode>     port: ready when the app listens on PORT; signal: when the app calls ready()
                             (default: port)
      --readiness-timeout <ms>   how long a worker may take to become ready (default: 30000)
      --shutdown-timeout <ms>    how long in-flight requests may take on stop before SIGKILL (default: 10000)
      --drain-delay <ms>     on SIGTERM, answer 503 at /readyz at once but keep serving this long before
                             draining, while load balancers catch up (Kubernetes: 5000) (default: 0)
      --max-restarts <n>     crashes in a row before a worker is given up (default: 10); when every worker
                             has given up, lb stops and exits 1
      --no-exit-when-all-given-up   keep lb running with no worker instead, until kill -HUP <pid>
      --max-memory <size>    replace a worker gracefully above this resident memory, e.g. 512M or 1G
      --log-format <format>  prefix ([worker N] line), json or inherit (default: prefix)
      --admin-port <port>    serve /metrics, /status, /healthz, /readyz and /livez on this port
      --admin-host <host>    interface of the admin port (default: 127.0.0.1; 0.0.0.0 for Kubernetes probes)
      --name <name>          what status, logs, reload, stop and scale call it (default: the app's file name)
      --env <KEY=VALUE>      add a variable to every worker's environment (repeatable)
      --config <file>        read the app and options from this file (default with no <app>: lb.config.mjs
                             or lb.config.json in the current directory); flags win over the file
      --watch                reload the workers when a file in the app's directory changes (development;
                             node_modules and .git are ignored)
      --watch-ignore <path>  with --watch: ignore this path (relative to the watched directory) or file or
                             directory name, such as logs (repeatable)

Options of the other commands:
      --name <name>          the lb to talk to (or give it as the first argument)
      --json                 status: print JSON instead of the table
  -f, --follow               logs: keep printing new lines until the lb stops
  -n, --lines <n>            logs: how many recent lines to print first (default: 100, at most 1000)
      --force                init: replace an existing config file
  -h, --help                 show this help
  -v, --version              show the version

Workers get PORT, NODE_APP_INSTANCE (their slot, 0 … n-1, kept across restarts), LB_PROCESS_ID,
LB_WORKER_PORT, LB_PROCESS_COUNT and LB_SCALING_MODE=worker.

Examples:
  lb start app.js -i max --port 3000 --strategy leastConnections --name api
  lb start server.mjs -i 4 --shared-port --port 8080
  lb start app.js --env NODE_ENV=production -- --app-flag value
  lb status
  lb logs api -f
  lb scale api 8
`;
