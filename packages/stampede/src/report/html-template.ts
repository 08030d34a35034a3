/**
 * The page shell of every HTML report: escaping, safe embedding of data, and a strict Content-Security-Policy that
 * allows exactly the one inline script and the one inline style of the page (by hash) and nothing from the network.
 */
import { createHash } from 'node:crypto';
import { reportAssets } from './html-assets.ts';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/**
 * JSON that is safe inside `<script type="application/json">`: `<`, `>` and `&` become \u escapes (so no `</script>`
 * or `<!--` can end the element), as do U+2028/U+2029. JSON.parse reads it back unchanged.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** The page's own stylesheet (uPlot's follows it). */
const PAGE_CSS = `
:root{--fg:#1d2330;--muted:#5b6475;--line:#dde2ea;--bg:#f6f7fa;--card:#fff;--ok:#1a7f37;--bad:#c62828;--warn:#a15c00;--accent:#2f6fde}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{background:#1d2330;color:#fff;padding:18px 28px}header h1{margin:0 0 4px;font-size:20px}header .meta{color:#c5cbd6;font-size:13px}
main{max-width:1280px;margin:0 auto;padding:16px 28px 48px}section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:14px 18px;margin:16px 0}
h2{font-size:16px;margin:0 0 10px}h3{font-size:14px;margin:14px 0 6px}.muted{color:var(--muted)}
nav{font-size:13px;margin:8px 0 0}nav a{color:#9ec1ff;margin-right:14px;text-decoration:none;display:inline-block}
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{flex:1 1 120px;border:1px solid var(--line);border-radius:6px;padding:8px 12px;background:#fbfcfd}
.card .v{font-size:20px;font-weight:600}.card .k{font-size:12px;color:var(--muted)}
.verdict{display:inline-block;padding:2px 8px;border-radius:10px;font-weight:600;font-size:12px;color:#fff}
.v-pass,.v-passed,.v-improved,.v-ok{background:var(--ok)}.v-fail,.v-failed,.v-regressed{background:var(--bad)}
.v-warn,.v-inconclusive,.v-partial,.v-suspect{background:var(--warn)}.v-skipped,.v-unchanged,.v-none,.v-info{background:#6b7280}
.banner{border-left:4px solid var(--warn);background:#fff7e6;padding:8px 12px;margin:8px 0;border-radius:4px}
.banner.bad{border-color:var(--bad);background:#fdecec}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{padding:5px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f0f2f6;position:sticky;top:0}
table.sortable th{cursor:pointer;user-select:none}table.sortable th[aria-sort=ascending]::after{content:" ▲"}table.sortable th[aria-sort=descending]::after{content:" ▼"}
tfoot td{font-weight:600}.name{word-break:break-all;max-width:420px}.scroll{max-height:560px;overflow:auto}
pre{white-space:pre-wrap;word-break:break-word;font-size:12px;background:#f6f8fa;padding:8px;border-radius:4px;margin:4px 0}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:14px}.chart{min-height:280px;min-width:0}
.chart .title{font-weight:600;font-size:13px;margin-bottom:4px}ul.kv{margin:0;padding-left:16px}
.charts.compact{grid-template-columns:repeat(auto-fit,minmax(380px,1fr))}
table.overview td{padding:4px 8px}table.overview a{color:inherit}table.overview td.name{word-break:normal;white-space:nowrap}table.overview .figures{min-width:240px}
table.overview .why{max-width:460px;color:var(--muted)}.clamp{display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical;overflow:hidden}
ol.recs{margin:0;padding-left:22px}ol.recs li{margin:0 0 6px}.evidence{font-size:12px}
section.test .cards{margin:8px 0}section.test .card .v{font-size:16px}details{margin:8px 0}
@media (max-width:700px){header{padding:12px 14px}main{padding:8px 10px 32px}section{padding:10px 12px}
.charts,.charts.compact{grid-template-columns:1fr}.name{max-width:none}table.overview td.name{white-space:normal;word-break:break-all}
table.overview thead{display:none}table.overview tr{display:block;border-bottom:1px solid var(--line);padding:4px 0}
table.overview td{display:inline-block;border:0;padding:2px 6px}table.overview td.figures,table.overview td.why{display:block;min-width:0;max-width:none}}
@media print{section{break-inside:avoid}}
`;

export interface PageParts {
  /** Plain text; escaped here. */
  title: string;
  /** Already-escaped HTML of the body (built from escaped parts only). */
  body: string;
  /** Data for the client script (charts); embedded as inert JSON. */
  data: unknown;
}

/** A whole self-contained HTML document: no external resource, everything inline and allowed by hash. */
export function renderPage(parts: PageParts): string {
  const assets = reportAssets();
  const style = `${PAGE_CSS}${assets.css}`;
  const script = assets.clientJs;
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(script)}`,
    `style-src ${sha256(style)}`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(parts.title)}</title>
<style>${style}</style>
</head>
<body>
${parts.body}
<script type="application/json" id="report-data">${jsonForScript(parts.data)}</script>
<script>${script}</script>
</body>
</html>
`;
}
