/**
 * The dashboard's SVG line chart, as a browser function returning markup: lines over a time axis labelled in the
 * server's time (UTC, `HH:MM:SS`), with the y-axis maximum. Plain ES2020; values go through `esc` (defined by the
 * page script) before they reach the markup.
 */
export const dashboardChartScript = String.raw`
  /** UTC HH:MM:SS of a server time in ms. */
  function clock(t) {
    var d = new Date(t);
    var two = function (n) { return (n < 10 ? '0' : '') + n; };
    return two(d.getUTCHours()) + ':' + two(d.getUTCMinutes()) + ':' + two(d.getUTCSeconds());
  }

  function niceMax(v) {
    if (!(v > 0)) return 1;
    var p = Math.pow(10, Math.floor(Math.log10(v)));
    var steps = [1, 2, 5, 10];
    for (var i = 0; i < steps.length; i++) if (v <= steps[i] * p) return steps[i] * p;
    return 10 * p;
  }

  /** Tick times between t0 and t1 (ms), on round multiples of a step chosen for at most five ticks. */
  function timeTicks(t0, t1) {
    var steps = [5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600].map(function (s) { return s * 1000; });
    var step = steps[steps.length - 1];
    for (var i = 0; i < steps.length; i++) if ((t1 - t0) / steps[i] <= 5) { step = steps[i]; break; }
    var ticks = [];
    for (var t = Math.ceil(t0 / step) * step; t <= t1; t += step) ticks.push(t);
    return ticks;
  }

  /**
   * SVG markup of series ([{ color, points: [{ t, v }] }]) between server times t0 and t1 in a w × h box: a time
   * axis with labelled ticks at the bottom, the y maximum (through format) at the top left.
   */
  function chartSvg(series, t0, t1, w, h, format) {
    var axis = 14, top = 4, max = 0;
    series.forEach(function (s) { s.points.forEach(function (p) { if (p.v != null && p.v > max) max = p.v; }); });
    max = niceMax(max);
    var span = Math.max(1, t1 - t0);
    var x = function (t) { return (w * (t - t0)) / span; };
    var y = function (v) { return h - axis - ((h - axis - top) * v) / max; };
    var parts = ['<line x1="0" x2="' + w + '" y1="' + (h - axis) + '" y2="' + (h - axis) +
      '" stroke="currentColor" stroke-opacity=".3"/>'];
    timeTicks(t0, t1).forEach(function (t) {
      var tx = x(t).toFixed(1);
      parts.push('<line x1="' + tx + '" x2="' + tx + '" y1="' + top + '" y2="' + (h - axis + 3) +
        '" stroke="currentColor" stroke-opacity=".12"/>');
      parts.push('<text class="axis" x="' + tx + '" y="' + (h - 2) + '" font-size="10" text-anchor="middle"' +
        ' fill="currentColor" fill-opacity=".65">' + esc(clock(t)) + '</text>');
    });
    series.forEach(function (s) {
      var pts = s.points.filter(function (p) { return p.v != null && p.t >= t0; })
        .map(function (p) { return x(p.t).toFixed(1) + ',' + y(p.v).toFixed(1); }).join(' ');
      parts.push('<polyline fill="none" stroke-width="1.5" stroke="' + esc(s.color) + '" points="' + pts + '"/>');
    });
    parts.push('<text x="2" y="11" font-size="11" fill="currentColor" fill-opacity=".6">' + esc(format(max)) + '</text>');
    return parts.join('');
  }
`;
