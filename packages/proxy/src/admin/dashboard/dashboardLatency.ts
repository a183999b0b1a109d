/**
 * Browser functions of the dashboard for recent latency. `/status` only has quantiles since start, which hide a
 * slowdown that began a minute ago, so the page also reads the latency histogram buckets from `/metrics` and
 * estimates p50/p99 over the last seconds from the difference of two snapshots, as Prometheus'
 * `histogram_quantile(rate(…))` does. Plain ES2020, raw so the regular expressions keep their backslashes.
 */
export const dashboardLatencyScript = String.raw`
  /** Cumulative latency buckets per backend id from the Prometheus text: { id: { bounds: [s…], counts: [n…] } }. */
  function parseBuckets(text) {
    var out = {};
    var sample = /^lb_backend_request_duration_seconds_bucket\{(.*)\} (\S+)$/;
    var label = /(\w+)="((?:[^"\\]|\\.)*)"/g;
    text.split('\n').forEach(function (line) {
      var m = sample.exec(line);
      if (!m) return;
      var labels = {};
      var l;
      label.lastIndex = 0;
      while ((l = label.exec(m[1]))) {
        labels[l[1]] = l[2].replace(/\\(.)/g, function (_, c) { return c === 'n' ? '\n' : c; });
      }
      var b = out[labels.backend] || (out[labels.backend] = { bounds: [], counts: [] });
      b.bounds.push(labels.le === '+Inf' ? Infinity : Number(labels.le));
      b.counts.push(Number(m[2]));
    });
    return out;
  }

  /** Per-bucket counts of the requests between two snapshots of one backend; all of now after a reset. */
  function bucketDelta(now, then) {
    if (!now) return null;
    var fresh = !then || then.counts.length !== now.counts.length ||
      now.counts.some(function (c, i) { return c < then.counts[i]; });
    return now.counts.map(function (c, i) { return fresh ? c : c - then.counts[i]; });
  }

  /** The q-quantile in ms of cumulative bucket counts, interpolated inside its bucket; null without requests. */
  function bucketQuantile(bounds, counts, q) {
    var total = counts ? counts[counts.length - 1] : 0;
    if (!(total > 0)) return null;
    var rank = q * total;
    for (var i = 0; i < counts.length; i++) {
      if (counts[i] < rank) continue;
      var lower = i === 0 ? 0 : bounds[i - 1];
      if (bounds[i] === Infinity) return lower * 1000;
      var below = i === 0 ? 0 : counts[i - 1];
      var share = counts[i] > below ? (rank - below) / (counts[i] - below) : 1;
      return (lower + (bounds[i] - lower) * share) * 1000;
    }
    return null;
  }

  /** { p50, p99 } of each backend id and of all together ('*'), over the requests between two snapshots. */
  function recentLatency(now, then) {
    var result = {};
    var sum = null;
    var bounds = null;
    Object.keys(now).forEach(function (id) {
      var delta = bucketDelta(now[id], then && then[id]);
      result[id] = { p50: bucketQuantile(now[id].bounds, delta, 0.5), p99: bucketQuantile(now[id].bounds, delta, 0.99) };
      if (!sum) { sum = delta.slice(); bounds = now[id].bounds; }
      else if (delta.length === sum.length) delta.forEach(function (c, i) { sum[i] += c; });
    });
    result['*'] = { p50: bounds && bucketQuantile(bounds, sum, 0.5), p99: bounds && bucketQuantile(bounds, sum, 0.99) };
    return result;
  }
`;
