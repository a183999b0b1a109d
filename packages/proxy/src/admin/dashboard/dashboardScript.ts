/**
 * The dashboard's browser script, plain ES2020 with no dependencies. It polls `dashboard.json` (relative to the
 * page, so the page works behind a path prefix): the rows now, the server's samples and the event log, and draws
 * the cards, the charts over server time, the table and the log from them. Recent latency comes from the
 * `/metrics` histogram buckets (`dashboardLatency.ts`), placed at the server time of the poll. Every value that
 * reaches the markup goes through `esc`. The page wraps it in a function, after the latency, series and chart
 * functions.
 */
export const dashboardScript = String.raw`
  var params = new URLSearchParams(location.search);
  var interval = Math.max(250, Number(params.get('interval')) || 1000);
  var feedUrl = new URL('dashboard.json', location.href).toString();
  var metricsUrl = new URL('metrics', location.href).toString();
  var latencyWindowMs = 10 * 1000;
  var minSpanMs = 30 * 1000;
  var bucketSnapshots = [];
  var latencyPoints = [];
  var palette = ['#2563eb', '#d9480f', '#16803c', '#9333ea', '#0891b2', '#ca8a04', '#db2777', '#4b5563'];
  var classColors = ['#6b7280', '#16803c', '#2563eb', '#ca8a04', '#c0262d'];
  var classNames = ['1xx', '2xx', '3xx', '4xx', '5xx'];
  var order = {};
  var polls = 0;
  var $ = function (id) { return document.getElementById(id); };

  function esc(v) {
    return String(v).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function num(v) { return typeof v === 'number' && isFinite(v) ? v : null; }
  function dash(v) { return v == null ? '–' : esc(v); }
  function fmtMs(v) { return v == null ? '–' : (v < 10 ? v.toFixed(2) : v.toFixed(0)) + ' ms'; }
  function fmtRate(v) { return v == null ? '–' : v < 10 ? v.toFixed(1) : v.toFixed(0); }
  function fmtBytes(v) { return v == null ? '–' : (v / 1048576).toFixed(1) + ' MB'; }
  function fmtPct(v) { return v == null ? '–' : v.toFixed(0) + '%'; }
  function fmtAgo(ms) { return ms < 1000 ? 'now' : fmtUptime(ms) + ' ago'; }
  function fmtUptime(ms) {
    if (ms == null) return '–';
    var s = Math.floor(ms / 1000);
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' m ' + (s % 60) + ' s';
    return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' m';
  }
  function colorOf(key) {
    if (!(key in order)) order[key] = Object.keys(order).length;
    return palette[order[key] % palette.length];
  }

  /** Latency over the last ten seconds from the /metrics buckets, or null when /metrics is unavailable. */
  function latencyNow(now, metricsText) {
    if (metricsText == null) return null;
    bucketSnapshots.push({ t: now, buckets: parseBuckets(metricsText) });
    while (bucketSnapshots.length > 2 && bucketSnapshots[1].t <= now - latencyWindowMs) bucketSnapshots.shift();
    var then = bucketSnapshots.length > 1 ? bucketSnapshots[0].buckets : null;
    return recentLatency(bucketSnapshots[bucketSnapshots.length - 1].buckets, then);
  }

  function draw(id, series, format, t0, t1) {
    var svg = $(id);
    var w = svg.clientWidth || 300, h = svg.clientHeight || 110;
    svg.setAttribute('viewBox', '0 0 ' + w + ' ' + h);
    svg.innerHTML = chartSvg(series, t0, t1, w, h, format);
  }

  function sparkline(points) {
    var max = niceMax(points.reduce(function (a, v) { return Math.max(a, v || 0); }, 0));
    var n = points.length, pts = points.map(function (v, i) {
      return ((110 * (i + 1)) / Math.max(n, 60)).toFixed(1) + ',' + (21 - (19 * (v || 0)) / max).toFixed(1);
    }).join(' ');
    return '<svg class="spark" viewBox="0 0 110 22" aria-hidden="true"><polyline fill="none" stroke="currentColor" stroke-width="1.2" points="' + pts + '"/></svg>';
  }

  function stateClass(state) {
    if (state === 'ready' || state === 'up') return 'ok';
    if (state === 'starting' || state === 'draining' || state === 'stopping' || state === 'waiting') return 'warn';
    return 'bad';
  }

  function errorsCell(errors) {
    if (!errors) return '–';
    var parts = Object.keys(errors).filter(function (k) { return errors[k] > 0; })
      .map(function (k) { return esc(k) + ' ' + esc(errors[k]); });
    return parts.length ? parts.join(', ') : '0';
  }

  function healthCell(row, now) {
    var last = row.lastHealthCheck;
    if (!last) return row.healthCheckFailures > 0 ? esc(row.healthCheckFailures) + ' failed' : '–';
    var mark = last.ok ? '<span class="ok">passed</span>' : '<span class="bad">failed</span>';
    var title = last.reason ? ' title="' + esc(last.reason) + '"' : '';
    return '<span' + title + '>' + mark + ' ' + esc(fmtAgo(now - last.at)) +
      (row.healthCheckFailures ? ' <span class="muted">(' + esc(row.healthCheckFailures) + ' failed)</span>' : '') + '</span>';
  }

  function renderRows(feed, points, recent) {
    var last = points.length ? points[points.length - 1] : null;
    var body = feed.rows.map(function (r) {
      var counts = windowCounts(points, r.key);
      var nowRow = last && last.rows[r.key];
      var rate = nowRow && nowRow.classes ? nowRow.classes.reduce(function (a, b) { return a + b; }, 0) : null;
      var rate5xx = nowRow && nowRow.classes ? nowRow.classes[4] : null;
      var lat = recent && r.metricsLabel != null ? recent[r.metricsLabel] : null;
      var state = String(r.state || 'unknown');
      var spark = points.map(function (p) {
        var row = p.rows[r.key];
        return row && row.classes ? row.classes.reduce(function (a, b) { return a + b; }, 0) : null;
      });
      var cls = counts.classes;
      var cell = function (i) { return cls ? esc(cls[i]) : '–'; };
      return '<tr data-key="' + esc(r.key) + '" data-state="' + esc(state) + '" data-pid="' + esc(r.pid == null ? '' : r.pid) +
        '" data-restarts="' + esc(r.restarts == null ? '' : r.restarts) + '" data-5xx="' + (cls ? esc(cls[4]) : '') + '">' +
        '<th scope="row">' + esc(r.key) + ' <span class="muted">' + esc(r.detail || '') + '</span></th>' +
        '<td class="state ' + stateClass(state) + '">' + esc(state) + '</td>' +
        '<td>' + dash(r.pid) + '</td>' +
        '<td>' + dash(r.restarts) + '</td>' +
        '<td>' + fmtUptime(num(r.uptimeMs)) + '</td>' +
        '<td class="c-cpu">' + fmtPct(num(r.cpuPercent)) + '</td>' +
        '<td class="c-mem">' + fmtBytes(num(r.memory)) + '</td>' +
        '<td>' + dash(num(r.activeRequests)) + '</td>' +
        '<td>' + fmtRate(rate) + '</td>' +
        '<td>' + cell(1) + '</td><td>' + cell(2) + '</td><td>' + cell(3) + '</td>' +
        '<td class="c-5xx' + (cls && cls[4] > 0 ? ' bad' : '') + '">' + cell(4) + '</td>' +
        '<td' + (rate5xx > 0 ? ' class="bad"' : '') + '>' + fmtRate(rate5xx) + '</td>' +
        '<td class="c-errors">' + errorsCell(r.errors) + '</td>' +
        '<td>' + dash(r.retries) + '</td>' +
        '<td>' + dash(r.ejections) + '</td>' +
        '<td class="c-health">' + healthCell(r, feed.now) + '</td>' +
        '<td class="c-p50">' + fmtMs(lat ? lat.p50 : null) + '</td>' +
        '<td>' + fmtMs(lat ? lat.p99 : null) + '</td>' +
        '<td>' + sparkline(spark) + '</td></tr>';
    }).join('');
    $('rows').innerHTML = body || '<tr><td colspan="21" class="muted">no workers or backends yet</td></tr>';
    var span = points.reduce(function (a, p) { return a + p.dt; }, 0);
    $('window').textContent = span > 0 ? 'counts over the last ' + fmtUptime(span * 1000) : 'counts: waiting for two samples';
  }

  function renderEvents(events) {
    $('events').innerHTML = events.length ? events.map(function (e) {
      return '<li class="ev ' + esc(e.level) + '" data-kind="' + esc(e.kind) + '"><time datetime="' +
        esc(new Date(e.t).toISOString()) + '">' + esc(clock(e.t)) + '</time> <b>' + esc(e.subject || 'cluster') +
        '</b> ' + esc(e.message) + '</li>';
    }).join('') : '<li class="muted">nothing yet</li>';
  }

  function render(feed, metricsText) {
    var now = feed.now;
    var recent = latencyNow(now, metricsText);
    var points = intervals(feed.samples || []);
    var last = points.length ? points[points.length - 1] : null;
    var rows = feed.rows || [];
    var ready = rows.filter(function (r) { return r.state === 'ready' || r.state === 'up'; }).length;
    var workers = rows.some(function (r) { return r.pid != null; });
    $('c-ready').textContent = ready + ' / ' + rows.length;
    $('c-ready-label').textContent = workers ? 'workers ready' : 'backends up';
    $('c-rate').textContent = last ? fmtRate(last.total.classes.reduce(function (a, b) { return a + b; }, 0)) : '–';
    $('c-5xx').textContent = last ? fmtRate(last.total.classes[4]) : '–';
    $('c-errors').textContent = last ? fmtRate(last.total.errors) : '–';
    var all = recent && recent['*'];
    $('c-p50').textContent = fmtMs(all ? all.p50 : null);
    $('c-p99').textContent = fmtMs(all ? all.p99 : null);

    latencyPoints.push({ t: now, p50: all ? all.p50 : null, p99: all ? all.p99 : null });
    var t0 = feed.samples && feed.samples.length ? Math.min(feed.samples[0].t, now - minSpanMs) : now - minSpanMs;
    while (latencyPoints.length && latencyPoints[0].t < t0) latencyPoints.shift();

    draw('chart-rate', classNames.map(function (name, j) {
      return { color: classColors[j], points: points.map(function (p) { return { t: p.t, v: p.total.classes[j] }; }) };
    }).concat([{ color: '#9333ea', points: points.map(function (p) { return { t: p.t, v: p.total.errors }; }) }]), fmtRate, t0, now);
    draw('chart-latency', [
      { color: palette[0], points: latencyPoints.map(function (p) { return { t: p.t, v: p.p50 }; }) },
      { color: palette[1], points: latencyPoints.map(function (p) { return { t: p.t, v: p.p99 }; }) },
    ], fmtMs, t0, now);
    var perRow = function (pick) {
      return rows.map(function (r) {
        return { color: colorOf(r.key), points: points.map(function (p) { var row = p.rows[r.key]; return { t: p.t, v: row ? pick(row) : null }; }) };
      });
    };
    draw('chart-cpu', perRow(function (row) { return row.cpu; }), fmtPct, t0, now);
    draw('chart-memory', perRow(function (row) { return row.mem; }), fmtBytes, t0, now);
    var legend = rows.map(function (r) {
      return '<span style="color:' + colorOf(r.key) + '">■ ' + esc(r.key) + '</span>';
    }).join('');
    $('cpu-legend').innerHTML = legend;
    $('memory-legend').innerHTML = legend;

    renderRows(feed, points, recent);
    renderEvents(feed.events || []);

    polls += 1;
    document.body.setAttribute('data-polls', String(polls));
    $('conn').textContent = 'live';
    $('conn').className = 'pill ok';
    $('updated').textContent = 'server time ' + clock(now) + ' UTC';
  }

  function fail(err) {
    $('conn').textContent = 'offline: ' + (err && err.message ? err.message : String(err));
    $('conn').className = 'pill bad';
  }

  function poll() {
    var feed = fetch(feedUrl, { cache: 'no-store' }).then(function (res) {
      if (!res.ok) throw new Error('HTTP ' + res.status);
      return res.json();
    });
    // /metrics is optional: without it there is no latency.
    var metrics = fetch(metricsUrl, { cache: 'no-store' })
      .then(function (res) { return res.ok ? res.text() : null; })
      .catch(function () { return null; });
    Promise.all([feed, metrics])
      .then(function (both) { render(both[0], both[1]); }, fail)
      .catch(fail)
      .then(function () { setTimeout(poll, interval); });
  }
  poll();
`;
