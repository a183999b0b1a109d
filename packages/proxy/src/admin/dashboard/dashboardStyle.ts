/** The dashboard's stylesheet: light and dark from the system preference, no web fonts, no external files. */
export const dashboardStyle = `
:root { color-scheme: light dark; --bg: #f7f7f8; --fg: #1d1d22; --muted: #6b6b76; --card: #fff; --line: #e3e3e8;
  --ok: #16803c; --warn: #b26b00; --bad: #c0262d; }
@media (prefers-color-scheme: dark) { :root { --bg: #141418; --fg: #e8e8ee; --muted: #9a9aa6; --card: #1e1e24;
  --line: #33333d; --ok: #3fb96b; --warn: #e0a030; --bad: #f05a60; } }
* { box-sizing: border-box; }
body { margin: 0; padding: 12px 16px; background: var(--bg); color: var(--fg);
  font: 13px/1.35 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header { display: flex; align-items: baseline; gap: 12px; flex-wrap: wrap; margin-bottom: 10px; }
h1 { font-size: 17px; margin: 0; }
h2 { font-size: 14px; margin: 0 0 6px; }
.muted { color: var(--muted); }
.ok { color: var(--ok); } .warn { color: var(--warn); } .bad { color: var(--bad); }
.pill { padding: 1px 8px; border-radius: 999px; font-size: 12px; border: 1px solid var(--line); }
.pill.ok { border-color: var(--ok); } .pill.bad { border-color: var(--bad); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(120px, 1fr)); gap: 8px; margin-bottom: 10px; }
.card, figure, .log { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; margin: 0; }
.card b { display: block; font-size: 19px; font-variant-numeric: tabular-nums; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 8px; margin-bottom: 10px; }
figcaption { font-size: 12px; color: var(--muted); margin-bottom: 2px; }
svg.chart { width: 100%; height: 110px; display: block; }
svg.spark { width: 110px; height: 22px; display: block; }
.legend span { margin-right: 8px; font-size: 12px; }
.scroll { overflow-x: auto; margin-bottom: 10px; }
table { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); }
caption { text-align: left; font-size: 12px; padding: 2px 0 4px; }
th, td { padding: 4px 7px; text-align: right; border-bottom: 1px solid var(--line); font-variant-numeric: tabular-nums; white-space: nowrap; }
thead th { font-size: 11px; color: var(--muted); font-weight: 600; }
thead th:first-child, thead th:nth-child(2) { text-align: left; }
tbody th, td.state, td.c-errors, td.c-health { text-align: left; font-weight: normal; }
td.state { font-weight: 600; }
.log ol { list-style: none; margin: 0; padding: 0; max-height: 260px; overflow-y: auto; font-size: 12px; }
.log li { padding: 2px 0 2px 8px; border-left: 3px solid var(--line); margin-bottom: 2px; }
.log li.info { border-color: var(--ok); } .log li.warn { border-color: var(--warn); } .log li.bad { border-color: var(--bad); }
.log time { color: var(--muted); font-variant-numeric: tabular-nums; }
`;
