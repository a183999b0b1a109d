# nomad job run api.nomad.hcl
# The api runs `lb start` and registers in Consul with a check on /readyz; gateway.nomad.hcl finds it through
# Consul DNS (api.service.consul).
job "api" {
  group "api" {
    count = 3

    network {
      port "http" { to = 3000 }
      port "admin" { to = 9090 }
    }

    service {
      name     = "api"
      port     = "http"
      provider = "consul"
      check {
        type     = "http"
        port     = "admin"
        path     = "/readyz"
        interval = "2s"
        timeout  = "1s"
      }
    }

    # Nomad deregisters the service from Consul first, waits this long, then sends the kill signal: the lag of
    # DNS caches (Consul's TTL 0, the gateway's SRV refresh of 5 s) is covered before SIGTERM.
    shutdown_delay = "6s"

    task "api" {
      driver      = "docker"
      kill_signal = "SIGTERM"
      # The balancer's drain (≤ shutdownTimeout, 10 s) + the workers' stop (≤ 10 s) + 5 s of margin.
      kill_timeout = "25s"

      config {
        image = "registry.example/myapp:1.2.3"
        ports = ["http", "admin"]
        # The image's entrypoint (tini) stays; these replace its command.
        command = "lb"
        args    = ["start", "app.js", "--port=3000", "--admin-port=9090", "--admin-host=0.0.0.0", "--drain-delay=0", "--shutdown-timeout=10000", "--log-format=json"]
      }

      resources {
        # Two reserved cores: a cpuset, which os.availableParallelism() (so lb start) counts as 2 CPUs. The
        # `cpu` MHz shares are not a quota and would leave lb start counting every core of the host.
        cores  = 2
        memory = 1024
      }
    }
  }
}
