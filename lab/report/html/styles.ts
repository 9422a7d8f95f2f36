/** The report page's stylesheet, inlined so report.html opens offline. System fonts only. */
export const STYLES = `
:root { --fg:#1d2433; --muted:#5f6b7d; --line:#e3e7ee; --bg:#f6f7f9; --card:#fff; --pass:#1a7f37; --fail:#cf222e; --accent:#4e79a7; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--fg); font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif; }
main { max-width:1180px; margin:0 auto; padding:28px 24px 48px; }
header.top { display:flex; gap:20px; align-items:flex-start; justify-content:space-between; margin-bottom:18px; }
.kicker { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.08em; }
h1 { margin:2px 0 4px; font-size:26px; word-break:break-word; }
h2 { font-size:16px; margin:0 0 10px; }
.desc { color:var(--muted); margin:0 0 6px; max-width:760px; }
.meta { color:var(--muted); font-size:13px; }
.meta code, td code { background:#eef1f5; border-radius:4px; padding:1px 5px; font-size:12px; }
.verdict { flex:none; font-weight:700; font-size:18px; padding:10px 18px; border-radius:10px; color:#fff; letter-spacing:.04em; }
.verdict.pass { background:var(--pass); } .verdict.fail { background:var(--fail); }
.reasons { margin:0 0 18px; padding:10px 14px; border-left:4px solid var(--fail); background:#fff5f5; border-radius:6px; }
.reasons li { margin:2px 0; }
.notes { margin:0 0 18px; padding:10px 14px; border-left:4px solid #d4a72c; background:#fff8e6; border-radius:6px; }
.repeat-note { margin:0 0 18px; color:var(--muted); }
.card { background:var(--card); border:1px solid var(--line); border-radius:12px; padding:16px 18px; margin-bottom:18px; box-shadow:0 1px 2px rgba(16,24,40,.04); }
.tiles { display:grid; grid-template-columns:repeat(4,1fr); gap:12px; margin-bottom:18px; }
.tile { background:var(--card); border:1px solid var(--line); border-radius:12px; padding:12px 14px; }
.tile .label { color:var(--muted); font-size:12px; }
.tile .value { font-size:22px; font-weight:650; font-variant-numeric:tabular-nums; }
.tile .sub { color:var(--muted); font-size:12px; }
.grid2 { display:grid; grid-template-columns:1fr 1fr; gap:18px; }
@media (max-width:900px) { .grid2, .tiles { grid-template-columns:1fr 1fr; } }
.pill { display:inline-block; min-width:58px; text-align:center; font-size:12px; font-weight:650; padding:1px 8px; border-radius:999px; color:#fff; }
.pill.pass { background:var(--pass); } .pill.fail { background:var(--fail); }
.chart-card p { color:var(--muted); font-size:12px; margin:4px 0 0; }
table { width:100%; border-collapse:collapse; font-variant-numeric:tabular-nums; }
th, td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { color:var(--muted); font-weight:600; font-size:12px; }
td.num, th.num { text-align:right; }
tr.miss td { background:#fff5f5; }
.ok { color:var(--pass); font-weight:600; } .bad { color:var(--fail); font-weight:600; }
footer { color:var(--muted); font-size:12px; margin-top:24px; }
svg.chart { display:block; height:auto; overflow:visible; }
svg.chart text { fill:#3b4454; font-family:inherit; }
svg.chart .grid { stroke:#edf0f4; }
svg.chart .axis { stroke:#9aa4b2; }
svg.chart .tick { fill:#5f6b7d; }
svg.chart .axis-label { fill:#5f6b7d; font-size:12px; }
svg.chart .line { fill:none; stroke-width:2; stroke-linejoin:round; stroke-linecap:round; }
svg.chart .area { opacity:.12; stroke:none; }
svg.chart .marker { stroke-width:1; stroke-dasharray:3 3; opacity:.8; }
svg.chart .marker-label { font-size:10px; paint-order:stroke; stroke:#fff; stroke-width:3px; }
svg.chart .marker-label-fault { fill:#b3261e; } svg.chart .marker-label-step { fill:#5f6b7d; }
svg.chart .empty { fill:#9aa4b2; font-size:13px; }
`;
