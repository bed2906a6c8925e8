/// The report's stylesheet (inside the page: nothing is fetched when it is viewed).
enum ReportStyle {
    static let css = #"""
:root { --ink: #111827; --muted: #6b7280; --line: #e5e7eb; --panel: #ffffff; --page: #f6f7f9; --accent: #2563eb; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: var(--page); }
header { display: flex; align-items: baseline; gap: 16px; flex-wrap: wrap; padding: 18px 24px 6px; }
h1 { font-size: 22px; margin: 0; font-weight: 600; }
h2 { font-size: 16px; margin: 0 0 10px; font-weight: 600; }
h3 { font-size: 13px; margin: 0 0 4px; font-weight: 600; }
nav { position: sticky; top: 0; z-index: 5; display: flex; gap: 4px; flex-wrap: wrap; padding: 6px 20px; background: rgba(246,247,249,.94); border-bottom: 1px solid var(--line); }
nav a { color: var(--muted); text-decoration: none; padding: 3px 8px; border-radius: 6px; }
nav a:hover { background: #e8ebf0; color: var(--ink); }
main { padding: 12px 24px 40px; display: grid; gap: 16px; }
section { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px; min-width: 0; scroll-margin-top: 44px; }
.note { color: var(--muted); margin: 6px 0; }
.error { color: #b91c1c; background: #fef2f2; border: 1px solid #fecaca; border-radius: 6px; padding: 6px 10px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; color: #fff; background: var(--muted); white-space: nowrap; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 10px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px; min-width: 0; }
.card .k { color: var(--muted); font-size: 12px; }
.card .v { font-size: 15px; font-weight: 600; overflow-wrap: anywhere; }
.card .s { font-size: 12px; color: var(--muted); overflow-wrap: anywhere; }
.pair { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 14px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 12px; }
.chart { position: relative; user-select: none; }
.chart canvas, .chart svg { position: absolute; left: 0; top: 0; }
.chart svg text { font: 11px system-ui, sans-serif; fill: #4b5563; }
.chart svg .title { font-size: 12px; font-weight: 600; fill: var(--ink); }
.chart svg .grid line { stroke: #eef0f3; }
.chart svg .axis line, .chart svg .axis path { stroke: #9ca3af; }
.chart svg .axis text { paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
.tip { position: absolute; pointer-events: none; background: rgba(17,24,39,.92); color: #fff; font-size: 12px; padding: 5px 8px; border-radius: 6px; max-width: 360px; z-index: 3; display: none; white-space: pre-line; }
.legend { display: flex; flex-wrap: wrap; gap: 12px; font-size: 12px; color: var(--muted); margin: 4px 0 6px; }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 4px; vertical-align: -1px; }
.scroll { overflow-x: auto; }
.controls { display: flex; flex-wrap: wrap; align-items: center; gap: 10px; margin: 0 0 8px; font-size: 13px; }
button, select { font: inherit; font-size: 13px; border: 1px solid #d1d5db; background: #fff; border-radius: 6px; padding: 2px 10px; cursor: pointer; }
button:disabled { opacity: .45; cursor: default; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { position: sticky; top: 0; background: #f9fafb; cursor: pointer; font-weight: 600; }
th.sorted::after { content: " \25BE"; }
th.sorted.asc::after { content: " \25B4"; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.msg { max-width: 360px; overflow: hidden; text-overflow: ellipsis; color: var(--muted); }
tr.best td { background: #fefce8; }
.tablewrap { overflow: auto; max-height: 70vh; border: 1px solid var(--line); border-radius: 6px; }
pre { margin: 0; padding: 10px; background: #f9fafb; border: 1px solid var(--line); border-radius: 6px; overflow: auto; max-height: 480px; font-size: 12px; }
a { color: var(--accent); }
"""#
}
