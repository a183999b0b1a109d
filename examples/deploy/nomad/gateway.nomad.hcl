# nomad job run gateway.nomad.hcl
# examples/deploy/gateway.mjs in front of the api allocations, found through Consul DNS: SRV records of
# api.service.consul give each allocation's address and port, and only the ones whose /readyz check passes.
job "gateway" {
  group "gateway" {
    count = 2

    network {
      port "http" {
        static = 80
        to     = 3000
      }
      port "admin" { to = 9090 }
    }

    service {
      name     = "gateway"
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

    # Deregistered from Consul, then this long before SIGTERM: clients' DNS caches catch up first.
    shutdown_delay = "6s"

    task "gateway" {
      driver       = "docker"
      kill_signal  = "SIGTERM"
      # The drain (≤ LB_SHUTDOWN_TIMEOUT, 10 s) + 5 s of margin.
      kill_timeout = "15s"

      config {
        image   = "registry.example/myapp:1.2.3"
        ports   = ["http", "admin"]
        command = "node"
        args    = ["gateway.mjs"]
      }

      env {
        LB_DISCOVERY        = "srv"
        LB_DISCOVERY_NAME   = "api.service.consul"
        # The Consul agent on this node answers DNS on port 8600 (client_addr must include the node's address).
        LB_DNS_SERVERS      = "${attr.unique.network.ip-address}:8600"
        LB_DRAIN_DELAY      = "0"
        LB_SHUTDOWN_TIMEOUT = "10000"
      }

      resources {
        cpu    = 500
        memory = 256
      }
    }
  }
}
