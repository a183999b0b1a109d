/** The dashboard's stylesheet: light and dark from the system preference, no web fonts, no external files. */
export const dashboardStyle = `
:root { color-scheme: light dark; --bg: #f7f7f8; --fg: #1d1d22; --muted: #6b6b76; --card: #fff; --line: #e3e3e8;
  --ok: #16803c; --warn: #b26b00; --bad: #c0262d; --a: #2563eb; --b: #d9480f; }
@media (prefers-color-scheme: dark) { :root { --bg: #141418; --fg: #e8e8ee; --muted: #9a9aa6; --card: #1e1e24;
  --line: #33333d; --ok: #3fb96b; --warn: #e0a030; --bad: #f05a60; --a: #6b9bff; --b: #ff8a50; } }
* { box-sizing: border-box; }
body { margin: 0; padding: 16px 20px; background: var(--bg); color: var(--fg);
  font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header { display: flex; align-items: baseline; gap: 12px; flex-wrap: wrap; margin-bottom: 12px; }
h1 { font-size: 18px; margin: 0; }
.muted { color: var(--muted); }
.pill { padding: 1px 8px; border-radius: 999px; font-size: 12px; border: 1px solid var(--line); }
.pill.ok { color: var(--ok); border-color: var(--ok); }
.pill.bad { color: var(--bad); border-color: var(--bad); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(130px, 1fr)); gap: 10px; margin-bottom: 12px; }
.card, figure { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; margin: 0; }
.card b { display: block; font-size: 20px; font-variant-numeric: tabular-nums; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 10px; margin-bottom: 12px; }
figcaption { font-size: 12px; color: var(--muted); margin-bottom: 4px; }
svg.chart { width: 100%; height: 90px; display: block; }
svg.spark { width: 110px; height: 22px; display: block; }
.legend span { margin-right: 10px; font-size: 12px; }
.legend #latency-scope { margin-right: 0; }
table { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
th, td { padding: 6px 10px; text-align: right; border-bottom: 1px solid var(--line); font-variant-numeric: tabular-nums; white-space: nowrap; }
th:first-child, td:first-child, th:nth-child(2), td:nth-child(2) { text-align: left; }
th { font-size: 12px; color: var(--muted); font-weight: 600; }
.state-ready, .state-up { color: var(--ok); }
.state-starting, .state-draining, .state-stopping { color: var(--warn); }
.state-exited, .state-down, .state-ejected { color: var(--bad); }
.flash { animation: flash 2s ease-out; }
@keyframes flash { from { background: color-mix(in srgb, var(--warn) 35%, transparent); } to { background: transparent; } }
`;
