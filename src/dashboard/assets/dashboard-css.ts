/*
 * The dashboard's one stylesheet, served from /dashboard/assets/dashboard.css. Kept in a module
 * (not a .css file) so `tsc` ships it in dist/ with no copy step and no build on anyone's side.
 */
export const DASHBOARD_CSS = String.raw`
:root {
  color-scheme: light dark;
  --bg: #f6f7fb;
  --surface: #ffffff;
  --surface-2: #f1f3f9;
  --border: #e3e6ef;
  --text: #161a2b;
  --muted: #5d6479;
  --accent: #4453d6;
  --accent-strong: #3441b8;
  --accent-soft: #eceefe;
  --live: #0f8a5f;
  --live-soft: #e3f6ee;
  --warn: #a45a00;
  --warn-soft: #fff2dd;
  --danger: #b42335;
  --danger-soft: #fde8ea;
  --done: #4b5468;
  --done-soft: #eef0f5;
  --sidebar: #12162a;
  --sidebar-text: #c9cee3;
  --radius: 10px;
  --shadow: 0 1px 2px rgba(16, 24, 40, 0.06), 0 1px 3px rgba(16, 24, 40, 0.08);
  --font: ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0e1120;
    --surface: #161a2e;
    --surface-2: #1d2238;
    --border: #2a3050;
    --text: #e8eaf4;
    --muted: #a0a7c0;
    --accent: #8f9bff;
    --accent-strong: #aab3ff;
    --accent-soft: #252c52;
    --live: #45d49b;
    --live-soft: #123528;
    --warn: #ffb457;
    --warn-soft: #3a2a12;
    --danger: #ff7b8a;
    --danger-soft: #3c1820;
    --done: #b7bdd2;
    --done-soft: #262b44;
    --sidebar: #0a0c18;
  }
}
*, *::before, *::after { box-sizing: border-box; }
html { font-size: 15px; }
body { margin: 0; font-family: var(--font); background: var(--bg); color: var(--text); line-height: 1.5; -webkit-font-smoothing: antialiased; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; border-radius: 4px; }
h1, h2, h3 { line-height: 1.25; margin: 0; }
h1 { font-size: 1.6rem; font-weight: 700; letter-spacing: -0.01em; }
h2 { font-size: 1.05rem; font-weight: 650; }
h3 { font-size: 0.95rem; font-weight: 650; }
p { margin: 0 0 0.75rem; }
code, .mono { font-family: var(--mono); font-size: 0.88em; }
.visually-hidden { position: absolute !important; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.skip-link { position: absolute; left: -999px; top: 0.5rem; background: var(--surface); padding: 0.5rem 1rem; z-index: 10; }
.skip-link:focus { left: 0.5rem; }

/* Shell */
.shell { display: grid; grid-template-columns: 232px 1fr; min-height: 100vh; background: linear-gradient(to right, var(--sidebar) 232px, transparent 232px); }
.sidebar { background: var(--sidebar); color: var(--sidebar-text); padding: 1.25rem 0.9rem; display: flex; flex-direction: column; gap: 1.5rem; position: sticky; top: 0; height: 100vh; align-self: start; }
.brand { display: flex; align-items: center; gap: 0.6rem; color: #fff; font-weight: 700; font-size: 1.15rem; padding: 0 0.5rem; }
.brand:hover { text-decoration: none; }
.brand-mark { width: 30px; height: 30px; border-radius: 8px; background: linear-gradient(135deg, #6b7bff, #3fd0a0); display: grid; place-items: center; color: #fff; font-size: 0.95rem; }
.nav ul { list-style: none; margin: 0; padding: 0; display: grid; gap: 2px; }
.nav a { display: flex; align-items: center; gap: 0.65rem; color: var(--sidebar-text); padding: 0.5rem 0.7rem; border-radius: 8px; font-weight: 500; }
.nav a:hover { background: rgba(255, 255, 255, 0.06); color: #fff; text-decoration: none; }
.nav a[aria-current="page"] { background: rgba(124, 138, 255, 0.18); color: #fff; }
.nav svg { width: 18px; height: 18px; flex: none; opacity: 0.85; }
.sidebar-foot { margin-top: auto; font-size: 0.85rem; border-top: 1px solid rgba(255, 255, 255, 0.08); padding: 1rem 0.5rem 0; }
.sidebar-foot .who { color: #fff; font-weight: 600; }
.sidebar-foot .role { color: var(--sidebar-text); opacity: 0.8; margin-bottom: 0.6rem; }
.sidebar-foot button { background: transparent; border: 1px solid rgba(255, 255, 255, 0.18); color: var(--sidebar-text); }
.sidebar-foot button:hover { background: rgba(255, 255, 255, 0.08); color: #fff; }
.main { padding: 1.75rem 2.25rem 3rem; max-width: 1240px; width: 100%; }
.page-header { display: flex; align-items: flex-end; justify-content: space-between; gap: 1rem; margin-bottom: 1.5rem; flex-wrap: wrap; }
.page-header .subtitle { color: var(--muted); margin-top: 0.3rem; }
.crumbs { font-size: 0.85rem; color: var(--muted); margin-bottom: 0.35rem; }
.crumbs ol { list-style: none; display: flex; gap: 0.4rem; margin: 0; padding: 0; flex-wrap: wrap; }
.crumbs li + li::before { content: "/"; margin-right: 0.4rem; opacity: 0.6; }
.actions { display: flex; gap: 0.5rem; flex-wrap: wrap; }

/* Cards and grids */
.card { background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius); box-shadow: var(--shadow); }
.card > header { display: flex; justify-content: space-between; align-items: center; gap: 1rem; padding: 0.9rem 1.15rem; border-bottom: 1px solid var(--border); }
.card > header .hint { color: var(--muted); font-size: 0.85rem; }
.card-body { padding: 1rem 1.15rem; }
.stack > * + * { margin-top: 1.25rem; }
.grid-2 { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 1.25rem; }
.grid-3 { display: grid; grid-template-columns: 2fr 1fr; gap: 1.25rem; align-items: start; }
.stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 1rem; margin-bottom: 1.5rem; }
.stat { padding: 1rem 1.15rem; }
.stat .label { color: var(--muted); font-size: 0.85rem; font-weight: 500; }
.stat .value { font-size: 1.7rem; font-weight: 700; letter-spacing: -0.02em; margin-top: 0.15rem; }
.stat .value.small { font-size: 1.15rem; }
.empty { color: var(--muted); padding: 1.5rem 1.15rem; text-align: center; }
.muted { color: var(--muted); }
.nowrap { white-space: nowrap; }

/* Definition lists */
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.5rem 1.25rem; margin: 0; }
.facts dt { color: var(--muted); font-size: 0.9rem; }
.facts dd { margin: 0; font-weight: 500; overflow-wrap: anywhere; }

/* Tables */
.table-wrap { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; font-size: 0.93rem; }
th, td { text-align: left; padding: 0.65rem 1.15rem; border-bottom: 1px solid var(--border); vertical-align: top; }
th { font-size: 0.78rem; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted); font-weight: 600; background: var(--surface-2); }
tbody tr:last-child td { border-bottom: 0; }
tbody tr:hover { background: var(--surface-2); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.row-title { font-weight: 600; }
.row-sub { color: var(--muted); font-size: 0.85rem; }
.clip { max-width: 360px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }

/* Badges */
.badge { display: inline-flex; align-items: center; gap: 0.35rem; font-size: 0.78rem; font-weight: 600; padding: 0.15rem 0.55rem; border-radius: 999px; white-space: nowrap; background: var(--done-soft); color: var(--done); }
.badge.live { background: var(--live-soft); color: var(--live); }
.badge.warn { background: var(--warn-soft); color: var(--warn); }
.badge.danger { background: var(--danger-soft); color: var(--danger); }
.badge.accent { background: var(--accent-soft); color: var(--accent); }
.badge.live::before { content: ""; width: 7px; height: 7px; border-radius: 50%; background: currentColor; animation: pulse 1.6s ease-in-out infinite; }
@keyframes pulse { 50% { opacity: 0.35; } }
@media (prefers-reduced-motion: reduce) { .badge.live::before { animation: none; } }
.chips { display: flex; flex-wrap: wrap; gap: 0.4rem; list-style: none; margin: 0; padding: 0; }
.chip { background: var(--surface-2); border: 1px solid var(--border); border-radius: 999px; padding: 0.15rem 0.65rem; font-size: 0.85rem; }

/* Buttons and forms */
.button, button { font: inherit; font-weight: 600; font-size: 0.9rem; border-radius: 8px; padding: 0.5rem 0.95rem; border: 1px solid var(--border); background: var(--surface); color: var(--text); cursor: pointer; display: inline-flex; align-items: center; gap: 0.4rem; line-height: 1.2; }
.button:hover, button:hover { background: var(--surface-2); text-decoration: none; }
.button.primary, button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
.button.primary:hover, button.primary:hover { background: var(--accent-strong); }
.button.small, button.small { padding: 0.3rem 0.65rem; font-size: 0.82rem; }
.button.danger, button.danger { color: var(--danger); }
label { font-weight: 600; font-size: 0.9rem; display: block; margin-bottom: 0.3rem; }
.field { margin-bottom: 1.1rem; }
.field .help { color: var(--muted); font-size: 0.84rem; margin: -0.1rem 0 0.35rem; }
input[type="text"], input[type="search"], input[type="password"], input[type="date"], input[type="tel"], select, textarea {
  font: inherit; width: 100%; padding: 0.5rem 0.7rem; border: 1px solid var(--border); border-radius: 8px; background: var(--surface); color: var(--text);
}
textarea { min-height: 6rem; resize: vertical; }
textarea.code { font-family: var(--mono); font-size: 0.85rem; min-height: 32rem; line-height: 1.45; }
input:focus, select:focus, textarea:focus { outline: 2px solid var(--accent); outline-offset: 0; border-color: var(--accent); }
[aria-invalid="true"] { border-color: var(--danger) !important; background: var(--danger-soft) !important; }
.field-error { color: var(--danger); font-weight: 600; font-size: 0.86rem; margin: 0 0 0.35rem; }
.field-error::before { content: "⚠ "; }
.form-grid { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 0 1.25rem; }
.hours-grid { display: grid; grid-template-columns: 7.5rem 1fr; gap: 0.5rem 1rem; align-items: center; }
.hours-grid label { margin: 0; }
.hours-grid .field-error { grid-column: 2; margin: -0.3rem 0 0.2rem; }
fieldset { border: 0; padding: 0; margin: 0; min-width: 0; }
legend { font-weight: 650; font-size: 1.05rem; padding: 0; margin-bottom: 0.75rem; }
.faq-row { border: 1px solid var(--border); border-radius: 8px; padding: 0.8rem 0.9rem 0.1rem; margin-bottom: 0.75rem; background: var(--surface-2); }
.form-actions { display: flex; gap: 0.6rem; align-items: center; flex-wrap: wrap; padding: 1rem 0; margin-top: 0.5rem; }
.filters { display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: flex-end; padding: 1rem 1.15rem; }
.filters .field { margin: 0; min-width: 150px; }
.filters label { font-size: 0.8rem; color: var(--muted); }
.search { display: flex; gap: 0.5rem; max-width: 520px; }

/* Alerts */
.alert { border-radius: var(--radius); padding: 0.85rem 1.1rem; margin-bottom: 1.25rem; border: 1px solid; }
.alert h2 { font-size: 1rem; margin-bottom: 0.4rem; }
.alert ul { margin: 0; padding-left: 1.2rem; }
.alert.error { background: var(--danger-soft); border-color: var(--danger); color: var(--danger); }
.alert.error a { color: inherit; text-decoration: underline; }
.alert.success { background: var(--live-soft); border-color: var(--live); color: var(--live); }
.alert.info { background: var(--accent-soft); border-color: var(--accent); color: var(--accent); }
.alert.warn { background: var(--warn-soft); border-color: var(--warn); color: var(--warn); }

/* Tabs */
.tabs { display: flex; gap: 0.25rem; border-bottom: 1px solid var(--border); margin-bottom: 1.5rem; overflow-x: auto; }
.tabs a { padding: 0.6rem 0.9rem; color: var(--muted); font-weight: 600; border-bottom: 2px solid transparent; margin-bottom: -1px; white-space: nowrap; }
.tabs a:hover { color: var(--text); text-decoration: none; }
.tabs a[aria-current="page"] { color: var(--accent); border-bottom-color: var(--accent); }

/* Hours table */
.hours { width: 100%; }
.hours td, .hours th { padding: 0.4rem 0; border: 0; background: none; text-transform: none; letter-spacing: 0; font-size: 0.92rem; }
.hours th { color: var(--muted); font-weight: 500; width: 8rem; }
.hours tr.today th, .hours tr.today td { color: var(--accent); font-weight: 700; }
.hours + h3 { margin: 0.9rem 0 0.5rem; }
.open-state { display: flex; align-items: center; gap: 0.6rem; flex-wrap: wrap; margin-bottom: 0.75rem; }

/* FAQ */
.faq { margin: 0; }
.faq dt { font-weight: 600; margin-top: 0.9rem; }
.faq dt:first-child { margin-top: 0; }
.faq dd { margin: 0.2rem 0 0; color: var(--muted); }

/* Live */
.live-lists { display: grid; grid-template-columns: 1fr 1fr; gap: 1.25rem; align-items: start; }
.live-list { list-style: none; margin: 0; padding: 0; }
.live-card { padding: 0.9rem 1.15rem; border-bottom: 1px solid var(--border); display: grid; gap: 0.3rem; animation: appear 0.4s ease-out; }
.live-card:last-child { border-bottom: 0; }
@keyframes appear { from { background: var(--accent-soft); } to { background: transparent; } }
@media (prefers-reduced-motion: reduce) { .live-card { animation: none; } }
.live-card .top { display: flex; justify-content: space-between; gap: 0.75rem; align-items: center; }
.live-card .who { font-weight: 650; }
.live-card .meta { color: var(--muted); font-size: 0.86rem; display: flex; gap: 0.9rem; flex-wrap: wrap; }
.live-card .lead { font-size: 0.9rem; }
.live-card .summary { font-size: 0.88rem; color: var(--muted); }
.live-status { font-size: 0.85rem; color: var(--muted); display: flex; align-items: center; gap: 0.45rem; }
.live-status .dot { width: 8px; height: 8px; border-radius: 50%; background: var(--muted); }
.live-status[data-state="connected"] .dot { background: var(--live); }
.live-status[data-state="error"] .dot { background: var(--danger); }

/* Call page */
.conversation { display: flex; flex-direction: column; gap: 0.6rem; list-style: none; margin: 0; padding: 0; }
.bubble { max-width: 78%; padding: 0.55rem 0.85rem; border-radius: 14px; font-size: 0.93rem; }
.bubble .speaker { display: block; font-size: 0.72rem; font-weight: 700; text-transform: uppercase; letter-spacing: 0.05em; opacity: 0.75; margin-bottom: 0.1rem; }
.bubble .at { font-size: 0.72rem; opacity: 0.65; margin-left: 0.4rem; font-weight: 500; text-transform: none; letter-spacing: 0; }
.bubble.assistant { background: var(--surface-2); border-bottom-left-radius: 4px; align-self: flex-start; }
.bubble.caller { background: var(--accent); color: #fff; border-bottom-right-radius: 4px; align-self: flex-end; }
.bubble.tool { align-self: center; background: transparent; border: 1px dashed var(--border); color: var(--muted); font-size: 0.84rem; max-width: 90%; }
.timeline { list-style: none; margin: 0; padding: 0; position: relative; }
.timeline li { position: relative; padding: 0 0 1.1rem 1.6rem; }
.timeline li::before { content: ""; position: absolute; left: 5px; top: 0.45rem; bottom: -0.3rem; width: 2px; background: var(--border); }
.timeline li:last-child::before { display: none; }
.timeline li::after { content: ""; position: absolute; left: 0; top: 0.3rem; width: 12px; height: 12px; border-radius: 50%; background: var(--surface); border: 2px solid var(--accent); }
.timeline li.tool::after { border-color: var(--live); }
.timeline li.transfer::after { border-color: var(--warn); }
.timeline li.error::after { border-color: var(--danger); }
.timeline .when { color: var(--muted); font-size: 0.8rem; }
.timeline .what { font-weight: 600; }
.timeline details { margin-top: 0.3rem; }
.timeline summary { cursor: pointer; color: var(--accent); font-size: 0.85rem; }
pre.json { background: var(--surface-2); border: 1px solid var(--border); border-radius: 8px; padding: 0.6rem 0.8rem; font-family: var(--mono); font-size: 0.8rem; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; margin: 0.35rem 0 0; }
.tool-result { font-size: 0.88rem; margin-top: 0.25rem; }
audio { width: 100%; margin-bottom: 0.5rem; }

/* Login */
.login { min-height: 100vh; display: grid; place-items: center; padding: 1.5rem; background: radial-gradient(circle at 20% 10%, var(--accent-soft), transparent 55%), var(--bg); }
.login .card { width: 100%; max-width: 420px; padding: 2rem; }
.login .brand { color: var(--text); padding: 0; margin-bottom: 1.5rem; }
.login h1 { font-size: 1.35rem; margin-bottom: 0.35rem; }
.login p.muted { margin-bottom: 1.5rem; }
.login button { width: 100%; justify-content: center; padding: 0.65rem; }

.pager { display: flex; justify-content: space-between; align-items: center; padding: 0.75rem 1.15rem; border-top: 1px solid var(--border); }
.token-box { display: flex; gap: 0.5rem; }
.token-box input { font-family: var(--mono); font-size: 0.82rem; }

@media (max-width: 900px) {
  .shell { grid-template-columns: 1fr; background: none; }
  .sidebar { position: static; height: auto; flex-direction: row; flex-wrap: wrap; align-items: center; gap: 0.75rem; }
  .nav ul { display: flex; flex-wrap: wrap; }
  .sidebar-foot { margin: 0; border: 0; padding: 0; display: flex; gap: 0.75rem; align-items: center; }
  .main { padding: 1.25rem; }
  .grid-2, .grid-3, .live-lists, .form-grid { grid-template-columns: 1fr; }
}
`;
