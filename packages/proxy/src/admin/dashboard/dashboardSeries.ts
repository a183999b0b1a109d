/**
 * Browser functions of the dashboard that turn the server's samples (`/dashboard.json`: cumulative counters per
 * row at server times) into rates and per-window counts. Rates divide by the time between two server samples,
 * never by the browser's clock or polling period. A counter that went down (a restarted worker starts from zero)
 * counts from zero. Plain ES2020, raw so it can be evaluated as is by the unit test.
 */
export const dashboardSeriesScript = String.raw`
  /** What a cumulative counter gained between two readings; after a reset, everything it has now. */
  function gain(before, after) {
    if (after == null) return null;
    if (before == null || after < before) return after;
    return after - before;
  }

  /** Per-class gains (5 entries) between two response arrays; a reset of any class resets all. */
  function classGain(before, after) {
    if (!after) return null;
    var reset = !before || after.some(function (v, i) { return v < before[i]; });
    return after.map(function (v, i) { return reset ? v : v - before[i]; });
  }

  /**
   * From samples (oldest first) to one point per interval, at the later sample's server time:
   * { t, dt, rows: { key: { classes: [5 per-second rates] | null, errors: rate | null, cpu, mem } },
   *   total: { classes: [5 rates], errors: rate } }.
   */
  function intervals(samples) {
    var out = [];
    for (var i = 1; i < samples.length; i++) {
      var a = samples[i - 1], b = samples[i];
      var dt = (b.t - a.t) / 1000;
      if (!(dt > 0)) continue;
      var point = { t: b.t, dt: dt, rows: {}, total: { classes: [0, 0, 0, 0, 0], errors: 0 } };
      Object.keys(b.rows).forEach(function (key) {
        var now = b.rows[key], then = a.rows[key] || {};
        var cls = classGain(then.r, now.r);
        var err = gain(then.e, now.e);
        var row = {
          classes: cls && cls.map(function (v) { return v / dt; }),
          errors: err == null ? null : err / dt,
          cpu: now.cpu == null ? null : now.cpu,
          mem: now.mem == null ? null : now.mem,
        };
        if (row.classes) row.classes.forEach(function (v, j) { point.total.classes[j] += v; });
        if (row.errors != null) point.total.errors += row.errors;
        point.rows[key] = row;
      });
      out.push(point);
    }
    return out;
  }

  /** Responses per class of one row over all the intervals, as counts: { classes: [5], errors, seconds }. */
  function windowCounts(points, key) {
    var classes = [0, 0, 0, 0, 0], errors = 0, seconds = 0, seen = false;
    points.forEach(function (p) {
      var row = p.rows[key];
      if (!row) return;
      seconds += p.dt;
      if (row.classes) { seen = true; row.classes.forEach(function (v, j) { classes[j] += Math.round(v * p.dt); }); }
      if (row.errors != null) errors += Math.round(row.errors * p.dt);
    });
    return { classes: seen ? classes : null, errors: errors, seconds: seconds };
  }
`;
