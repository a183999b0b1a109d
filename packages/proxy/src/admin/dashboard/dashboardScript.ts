/**
 * The dashboard's browser script, plain ES2020 with no dependencies. It polls `status` (relative to the page, so
 * the page works behind a path prefix), keeps the last five minutes in memory, and redraws the cards, the SVG
 * charts and the table. It reads both `/status` shapes: a balancer's stats (`backends`, `metrics`) and a
 * cluster's (`workers`, with the balancer's stats under `balancer`). Recent latency comes from `/metrics`
 * through the functions of `dashboardLatency.ts`. Written without template literals so it can live inside this
 * TypeScript string; the page wraps it in a function.
 */
export const dashboardScript = `
  var params = new URLSearchParams(location.search);
  var interval = Math.max(250, Number(params.get('interval')) || 1000);
  var windowMs = 5 * 60 * 1000;
  var goneMs = 30 * 1000;
  var statusUrl = new URL('status', location.href).toString();
  var metricsUrl = new URL('metrics', location.href).toString();
  var latencyWindowMs = 10 * 1000;
  var bucketSnapshots = [];
  var palette = ['#2563eb', '#d9480f', '#16803c', '#9333ea', '#0891b2', '#ca8a04', '#db2777', '#4b5563'];
  var history = [];
  var rowsSeen = {};
  var polls = 0;
  var $ = function (id) { return document.getElementById(id); };

  function esc(v) {
    return String(v).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function num(v) { return typeof v === 'number' && isFinite(v) ? v : null; }
  function fmtMs(v) { return v == null ? '–' : (v < 10 ? v.toFixed(2) : v.toFixed(0)) + ' ms'; }
  function fmtRate(v) { return v == null ? '–' : v < 10 ? v.toFixed(1) : v.toFixed(0); }
  function fmtBytes(v) { return v == null ? '–' : (v / 1048576).toFixed(1) + ' MB'; }
  function fmtUptime(ms) {
    if (ms == null) return '–';
    var s = Math.floor(ms / 1000);
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' m ' + (s % 60) + ' s';
    return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' m';
  }
  function responses(m) {
    if (!m || !m.responses) return null;
    var sum = 0;
    for (var k in m.responses) sum += Number(m.responses[k]) || 0;
    return sum;
  }

  /** One row per cluster worker (joined with its backend metrics), or per backend for a plain balancer. */
  function rowsOf(status, balancer) {
    var metrics = {};
    ((balancer.metrics && balancer.metrics.backends) || []).forEach(function (m) { metrics[String(m.id)] = m; });
    if (Array.isArray(status.workers)) {
      return status.workers.map(function (w) {
        return { key: 'worker ' + w.id, label: 'worker ' + w.id, detail: 'port ' + w.port, state: w.state,
          pid: w.pid, restarts: w.restarts, uptime: w.uptime, memory: w.memory, backendId: String(w.backendId),
          m: metrics[String(w.backendId)] };
      });
    }
    return (balancer.backends || []).map(function (b) {
      var state = b.ejected ? 'ejected' : b.health;
      return { key: 'backend ' + b.id, label: 'backend ' + b.id, detail: b.host + ':' + b.port, state: state,
        pid: null, restarts: null, uptime: null, memory: null, backendId: String(b.id), m: metrics[String(b.id)] };
    });
  }

  function niceMax(v) {
    if (!(v > 0)) return 1;
    var p = Math.pow(10, Math.floor(Math.log10(v)));
    var steps = [1, 2, 5, 10];
    for (var i = 0; i < steps.length; i++) if (v <= steps[i] * p) return steps[i] * p;
    return 10 * p;
  }

  /** Draws time series (points of { t, v }) into an SVG element, over the last span ms. */
  function draw(svg, series, format, span) {
    var w = svg.clientWidth || 300, h = svg.clientHeight || 90, now = Date.now(), max = 0;
    svg.setAttribute('viewBox', '0 0 ' + w + ' ' + h);
    series.forEach(function (s) { s.points.forEach(function (p) { if (p.v != null && p.v > max) max = p.v; }); });
    max = niceMax(max);
    var x = function (t) { return (w * (t - (now - span))) / span; };
    var y = function (v) { return h - 2 - ((h - 16) * v) / max; };
    var parts = ['<line x1="0" x2="' + w + '" y1="' + (h - 1.5) + '" y2="' + (h - 1.5) + '" stroke="currentColor" stroke-opacity=".2"/>'];
    series.forEach(function (s) {
      var pts = s.points.filter(function (p) { return p.v != null; })
        .map(function (p) { return x(p.t).toFixed(1) + ',' + y(p.v).toFixed(1); }).join(' ');
      parts.push('<polyline fill="none" stroke-width="1.5" stroke="' + s.color + '" points="' + pts + '"/>');
    });
    parts.push('<text x="2" y="11" font-size="11" fill="currentColor" fill-opacity=".6">' + esc(format(max)) + '</text>');
    svg.innerHTML = parts.join('');
  }

  function sparkline(points) {
    var max = niceMax(points.reduce(function (a, p) { return Math.max(a, p.v || 0); }, 0));
    var n = points.length, pts = points.map(function (p, i) {
      return ((110 * (i + 1)) / Math.max(n, 60)).toFixed(1) + ',' + (21 - (19 * (p.v || 0)) / max).toFixed(1);
    }).join(' ');
    return '<svg class="spark" viewBox="0 0 110 22"><polyline fill="none" stroke="currentColor" stroke-width="1.2" points="' + pts + '"/></svg>';
  }

  /** Latency over the last ten seconds from the /metrics buckets, or null when /metrics is unavailable. */
  function latencyNow(now, metricsText) {
    if (metricsText == null) return null;
    bucketSnapshots.push({ t: now, buckets: parseBuckets(metricsText) });
    while (bucketSnapshots.length > 2 && bucketSnapshots[1].t <= now - latencyWindowMs) bucketSnapshots.shift();
    var then = bucketSnapshots.length > 1 ? bucketSnapshots[0].buckets : null;
    return recentLatency(bucketSnapshots[bucketSnapshots.length - 1].buckets, then);
  }

  function render(status, metricsText) {
    var now = Date.now();
    var recent = latencyNow(now, metricsText);
    var balancer = status.workers ? status.balancer || {} : status;
    var metrics = balancer.metrics || {};
    var rows = rowsOf(status, balancer);
    var present = {};
    var totalRate = 0;
    var haveRate = false;
    rows.forEach(function (row) {
      present[row.key] = true;
      var seen = rowsSeen[row.key];
      var count = responses(row.m);
      row.rate = null;
      if (seen && seen.backendId === row.backendId && count != null && seen.count != null && count >= seen.count) {
        row.rate = (count - seen.count) / Math.max(0.001, (now - seen.t) / 1000);
        totalRate += row.rate;
        haveRate = true;
      }
      row.changed = !!seen && seen.pid !== row.pid;
      var rates = seen ? seen.rates : [];
      rates.push({ t: now, v: row.rate });
      if (rates.length > 60) rates.shift();
      var mem = seen ? seen.mem : [];
      mem.push({ t: now, v: num(row.memory) });
      while (mem.length && mem[0].t < now - windowMs) mem.shift();
      rowsSeen[row.key] = { t: now, count: count, backendId: row.backendId, pid: row.pid, rates: rates, mem: mem,
        row: row, index: seen ? seen.index : Object.keys(rowsSeen).length };
    });
    Object.keys(rowsSeen).forEach(function (key) {
      var seen = rowsSeen[key];
      if (present[key]) return;
      if (now - seen.t > goneMs) delete rowsSeen[key];
    });

    var since = metrics.latency || {};
    var latency = recent ? recent['*'] : { p50: num(since.p50Ms), p99: num(since.p99Ms) };
    history.push({ t: now, rate: haveRate ? totalRate : null, p50: latency.p50, p99: latency.p99 });
    while (history.length && history[0].t < now - windowMs) history.shift();

    var ready = rows.filter(function (r) { return r.state === 'ready' || r.state === 'up'; }).length;
    var active = num(balancer.activeRequests);
    if (active == null) active = num(metrics.activeRequests);
    $('c-ready').textContent = ready + ' / ' + rows.length;
    $('c-ready-label').textContent = status.workers ? 'workers ready' : 'backends up';
    $('c-rate').textContent = haveRate ? fmtRate(totalRate) : '–';
    $('c-active').textContent = active == null ? '–' : String(active);
    $('c-p50').textContent = fmtMs(latency.p50);
    $('c-p99').textContent = fmtMs(latency.p99);
    var scope = recent ? 'last 10 s' : 'since start';
    $('c-p50-scope').textContent = scope;
    $('c-p99-scope').textContent = scope;
    $('latency-scope').textContent = recent ? 'latency over 10 s windows' : 'latency since start';
    $('c-uptime').textContent = fmtUptime(num(metrics.uptimeSeconds) == null ? null : metrics.uptimeSeconds * 1000);

    // The charts span what was seen so far (at least 10 s), up to five minutes, so a fresh page is not empty.
    var span = Math.min(windowMs, Math.max(10000, now - history[0].t));
    draw($('chart-rate'), [{ color: palette[0], points: history.map(function (h) { return { t: h.t, v: h.rate }; }) }], fmtRate, span);
    draw($('chart-latency'), [
      { color: palette[0], points: history.map(function (h) { return { t: h.t, v: h.p50 }; }) },
      { color: palette[1], points: history.map(function (h) { return { t: h.t, v: h.p99 }; }) },
    ], fmtMs, span);
    var memSeries = Object.keys(rowsSeen).map(function (key) {
      return { color: palette[rowsSeen[key].index % palette.length], points: rowsSeen[key].mem };
    });
    draw($('chart-memory'), memSeries, fmtBytes, span);
    $('memory-legend').innerHTML = Object.keys(rowsSeen).map(function (key) {
      return '<span style="color:' + palette[rowsSeen[key].index % palette.length] + '">■ ' + esc(key) + '</span>';
    }).join('');

    var body = Object.keys(rowsSeen).map(function (key) {
      var seen = rowsSeen[key];
      var r = present[key] ? seen.row : Object.assign({}, seen.row, { state: 'exited', rate: null });
      var m = r.m || {}, lat = m.latency || {};
      var rowRecent = recent && recent[r.backendId];
      var p50 = rowRecent ? rowRecent.p50 : present[key] && !recent ? num(lat.p50Ms) : null;
      var p99 = rowRecent ? rowRecent.p99 : present[key] && !recent ? num(lat.p99Ms) : null;
      var state = esc(r.state || 'unknown');
      return '<tr data-key="' + esc(key) + '" data-state="' + state + '" data-pid="' + esc(r.pid == null ? '' : r.pid) +
        '" data-restarts="' + esc(r.restarts == null ? '' : r.restarts) + '"' + (r.changed && present[key] ? ' class="flash"' : '') + '>' +
        '<td>' + esc(r.label) + ' <span class="muted">' + esc(r.detail) + '</span></td>' +
        '<td class="state-' + state + '">' + state + '</td>' +
        '<td>' + esc(r.pid == null ? '–' : r.pid) + '</td>' +
        '<td>' + esc(r.restarts == null ? '–' : r.restarts) + '</td>' +
        '<td>' + fmtUptime(num(r.uptime)) + '</td>' +
        '<td>' + fmtBytes(num(r.memory)) + '</td>' +
        '<td>' + esc(num(m.activeRequests) == null ? '–' : m.activeRequests) + '</td>' +
        '<td>' + fmtRate(r.rate) + '</td>' +
        '<td>' + fmtMs(p50) + '</td>' +
        '<td>' + fmtMs(p99) + '</td>' +
        '<td>' + sparkline(seen.rates) + '</td></tr>';
    }).join('');
    $('rows').innerHTML = body || '<tr><td colspan="11" class="muted">no workers or backends yet</td></tr>';

    polls += 1;
    document.body.setAttribute('data-polls', String(polls));
    $('conn').textContent = 'live';
    $('conn').className = 'pill ok';
    $('updated').textContent = 'updated ' + new Date(now).toLocaleTimeString();
  }

  function fail(err) {
    $('conn').textContent = 'offline: ' + (err && err.message ? err.message : String(err));
    $('conn').className = 'pill bad';
  }

  function poll() {
    var status = fetch(statusUrl, { cache: 'no-store' }).then(function (res) {
      if (!res.ok) throw new Error('HTTP ' + res.status);
      return res.json();
    });
    // /metrics is optional: without it, latency falls back to the since-start quantiles of /status.
    var metrics = fetch(metricsUrl, { cache: 'no-store' })
      .then(function (res) { return res.ok ? res.text() : null; })
      .catch(function () { return null; });
    Promise.all([status, metrics])
      .then(function (both) { render(both[0], both[1]); }, fail)
      .catch(fail)
      .then(function () { setTimeout(poll, interval); });
  }
  poll();
`;
