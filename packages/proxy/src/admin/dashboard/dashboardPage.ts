import { dashboardChartScript } from './dashboardChart.js';
import { dashboardLatencyScript } from './dashboardLatency.js';
import { dashboardScript } from './dashboardScript.js';
import { dashboardSeriesScript } from './dashboardSeries.js';
import { dashboardStyle } from './dashboardStyle.js';

/**
 * The admin dashboard: one self-contained HTML page (inline CSS and script, no CDN, no framework) that polls
 * `dashboard.json` every second. Cards for workers ready, requests/s, 5xx/s, errors/s and p50/p99 latency;
 * charts over the server's time (requests/s by status class and errors/s, latency, CPU and memory per worker);
 * a table with one row per worker or backend (state, pid, restarts, uptime, CPU, memory, active requests,
 * requests/s, responses by status class and 5xx/s, error kinds, retries, ejections, last health check,
 * latency); and the event log, newest first. `?interval=<ms>` changes the polling period.
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
  <span id="conn" class="pill" role="status">connecting…</span>
  <span id="updated" class="muted"></span>
</header>
<section class="cards" aria-label="summary">
  <div class="card"><span class="muted" id="c-ready-label">workers ready</span><b id="c-ready">–</b></div>
  <div class="card"><span class="muted">requests/s</span><b id="c-rate">–</b></div>
  <div class="card"><span class="muted">5xx/s</span><b id="c-5xx">–</b></div>
  <div class="card"><span class="muted">errors/s</span><b id="c-errors">–</b></div>
  <div class="card"><span class="muted">p50, last 10 s</span><b id="c-p50">–</b></div>
  <div class="card"><span class="muted">p99, last 10 s</span><b id="c-p99">–</b></div>
</section>
<section class="charts">
  <figure><figcaption class="legend">requests/s: <span style="color:#16803c">■ 2xx</span><span style="color:#2563eb">■ 3xx</span><span style="color:#ca8a04">■ 4xx</span><span style="color:#c0262d">■ 5xx</span><span style="color:#9333ea">■ errors</span></figcaption><svg id="chart-rate" class="chart" role="img" aria-label="requests per second by status class over server time"></svg></figure>
  <figure><figcaption class="legend">latency over 10 s windows: <span style="color:#2563eb">■ p50</span><span style="color:#d9480f">■ p99</span></figcaption><svg id="chart-latency" class="chart" role="img" aria-label="latency over server time"></svg></figure>
  <figure><figcaption class="legend">CPU (% of a core): <span id="cpu-legend"></span></figcaption><svg id="chart-cpu" class="chart" role="img" aria-label="CPU per worker over server time"></svg></figure>
  <figure><figcaption class="legend">memory (RSS): <span id="memory-legend"></span></figcaption><svg id="chart-memory" class="chart" role="img" aria-label="memory per worker over server time"></svg></figure>
</section>
<div class="scroll">
<table>
  <caption class="muted" id="window">counts: waiting for two samples</caption>
  <thead><tr><th scope="col">worker</th><th scope="col">state</th><th scope="col">pid</th><th scope="col">restarts</th><th scope="col">uptime</th><th scope="col">CPU</th><th scope="col">memory</th><th scope="col">active</th><th scope="col">req/s</th><th scope="col">2xx</th><th scope="col">3xx</th><th scope="col">4xx</th><th scope="col">5xx</th><th scope="col">5xx/s</th><th scope="col">errors</th><th scope="col">retries</th><th scope="col">ejections</th><th scope="col">health check</th><th scope="col">p50</th><th scope="col">p99</th><th scope="col">req/s trend</th></tr></thead>
  <tbody id="rows"><tr><td colspan="21" class="muted">loading…</td></tr></tbody>
</table>
</div>
<section class="log" aria-label="event log">
  <h2>events <span class="muted">(newest first, server time UTC)</span></h2>
  <ol id="events" aria-live="polite"><li class="muted">loading…</li></ol>
</section>
<script>
(function () {
'use strict';
${dashboardLatencyScript}
${dashboardSeriesScript}
${dashboardChartScript}
${dashboardScript}
})();
</script>
</body>
</html>
`;
