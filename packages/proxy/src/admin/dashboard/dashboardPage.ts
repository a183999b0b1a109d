import { dashboardLatencyScript } from './dashboardLatency.js';
import { dashboardScript } from './dashboardScript.js';
import { dashboardStyle } from './dashboardStyle.js';

/**
 * The admin dashboard: one self-contained HTML page (inline CSS and script, no CDN, no framework) that polls
 * `/status` every second and shows each worker or backend with its state, pid, restarts, uptime, memory, active
 * requests, requests per second and p50/p99 latency (over the last ten seconds, from the `/metrics` histogram
 * buckets), with charts over the last five minutes.
 * `?interval=<ms>` changes the polling period.
 */
export const dashboardPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>lb dashboard</title>
<style>${dashboardStyle}</style>
</head>
<body>
<header>
  <h1>lb dashboard</h1>
  <span id="conn" class="pill">connecting…</span>
  <span id="updated" class="muted"></span>
</header>
<section class="cards">
  <div class="card"><span class="muted" id="c-ready-label">workers ready</span><b id="c-ready">–</b></div>
  <div class="card"><span class="muted">requests/s</span><b id="c-rate">–</b></div>
  <div class="card"><span class="muted">active requests</span><b id="c-active">–</b></div>
  <div class="card"><span class="muted">p50 latency, <span id="c-p50-scope">last 10 s</span></span><b id="c-p50">–</b></div>
  <div class="card"><span class="muted">p99 latency, <span id="c-p99-scope">last 10 s</span></span><b id="c-p99">–</b></div>
  <div class="card"><span class="muted">balancer uptime</span><b id="c-uptime">–</b></div>
</section>
<section class="charts">
  <figure><figcaption>requests/s, last 5 minutes</figcaption><svg id="chart-rate" class="chart"></svg></figure>
  <figure><figcaption class="legend"><span id="latency-scope">latency over 10 s windows</span>: <span style="color:#2563eb">■ p50</span><span style="color:#d9480f">■ p99</span></figcaption><svg id="chart-latency" class="chart"></svg></figure>
  <figure><figcaption class="legend">memory (RSS): <span id="memory-legend"></span></figcaption><svg id="chart-memory" class="chart"></svg></figure>
</section>
<table>
  <thead><tr><th>worker</th><th>state</th><th>pid</th><th>restarts</th><th>uptime</th><th>memory</th><th>active</th><th>req/s</th><th>p50</th><th>p99</th><th>req/s, last minute</th></tr></thead>
  <tbody id="rows"><tr><td colspan="11" class="muted">loading…</td></tr></tbody>
</table>
<script>
(function () {
'use strict';
${dashboardLatencyScript}
${dashboardScript}
})();
</script>
</body>
</html>
`;
