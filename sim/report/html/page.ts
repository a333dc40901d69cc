/**
 * The HTML page every report is: one self-contained file that opens from disk with no network.
 *
 * Owns: the page frame (styles, header), inlining uPlot's script and stylesheet as the installed
 * package ships them (node_modules/uplot/dist, read when a report is written), embedding the
 * report's data as JSON, and what the reports share (escaping, tables, times).
 * Promises: the page loads nothing: no <link>, no src= URL, no fetch; its data sits in one
 * <script type="application/json"> (with "<" escaped, so no text in it can close the element);
 * the charts are drawn by the browser-side code in client.ts.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { CLIENT_SCRIPT } from './client.ts';

const require = createRequire(import.meta.url);

interface UplotAssets { readonly script: string; readonly css: string }
let assets: UplotAssets | null = null;

/** uPlot's minified script and stylesheet, read once per process from the installed package. */
function uplotAssets(): UplotAssets {
  if (assets === null) {
    assets = {
      script: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
      css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    };
  }
  return assets;
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A table; cells are text (escaped) unless given as { html }. */
export function table(headers: readonly string[], rows: readonly (readonly (string | number | { html: string })[])[], className = ''): string {
  const cell = (c: string | number | { html: string }): string => (typeof c === 'object' ? c.html : escapeHtml(String(c)));
  const head = `<tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${cell(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table class="${className}"><thead>${head}</thead><tbody>${body}</tbody></table>`;
}

/** Simulated seconds as "d hh:mm:ss". */
export function clockTime(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  const pad = (x: number): string => String(x).padStart(2, '0');
  return `${d} d ${pad(h)}:${pad(m)}:${pad(s)}`;
}

/** A chart placeholder the client fills (its spec is `data.charts[id]`). */
export function chart(id: string): string {
  return `<div class="chart" id="${escapeHtml(id)}"></div>`;
}

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 16px 24px; color: #222; max-width: 1240px; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 24px 0 6px; border-bottom: 1px solid #ddd; }
h3 { font-size: 14px; margin: 14px 0 4px; }
table { border-collapse: collapse; margin: 6px 0; } th, td { border: 1px solid #ddd; padding: 2px 8px; text-align: right; }
th { background: #f4f4f4; } td:first-child, th:first-child { text-align: left; }
.meta { color: #555; } code, pre { font: 12px ui-monospace, monospace; } pre { background: #f7f7f7; padding: 8px; overflow: auto; max-height: 360px; }
.chart { margin: 4px 0 10px; } .note { color: #666; font-size: 12px; }
.strip { display: flex; flex-wrap: wrap; gap: 1px; margin: 6px 0; } .strip div { width: 9px; height: 22px; }
.legend-box { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 10px; }
`;

export interface Page {
  readonly title: string;
  /** HTML of the page's body (already escaped where needed). */
  readonly body: string;
  /** What the charts draw (see client.ts): `{ traces, charts }`. */
  readonly data: unknown;
}

export function renderPage(page: Page): string {
  const { script, css } = uplotAssets();
  const json = JSON.stringify(page.data).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title>
<style>${css}</style>
<style>${STYLE}</style>
</head><body>
${page.body}
<script type="application/json" id="report-data">${json}</script>
<script>${script}</script>
<script>${CLIENT_SCRIPT}</script>
</body></html>
`;
}
