/** The text of `lb --help`. */
export const cliHelp = `Usage: lb start <app> [options] [-- <app arguments>]

Runs <app> (any Node.js HTTP server that listens on the PORT environment variable) as a cluster of worker
processes behind the @lb load balancer. Ctrl-C or SIGTERM stops it gracefully; SIGHUP reloads every worker
with no request lost.

Options:
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
      --max-restarts <n>     crashes in a row before a worker is given up (default: 10); when every worker
                             has given up, lb stops and exits 1
      --no-exit-when-all-given-up   keep lb running with no worker instead, until kill -HUP <pid>
      --max-memory <size>    replace a worker gracefully above this resident memory, e.g. 512M or 1G
      --log-format <format>  prefix ([worker N] line), json or inherit (default: prefix)
      --admin-port <port>    serve /metrics, /status and /healthz on this port (127.0.0.1)
  -h, --help                 show this help
  -v, --version              show the version

Examples:
  lb start app.js -i max --port 3000 --strategy leastConnections
  lb start server.mjs -i 4 --shared-port --port 8080
  lb start app.js -- --app-flag value
`;
