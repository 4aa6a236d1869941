// Renders a job summary as a person sees it on github.com: GitHub-flavoured Markdown (the same
// renderer as the tests, test/support/summary-html.ts) styled by GitHub's markdown CSS, in
// headless Chromium on a 1,000 px page. Fails when the summary does not fit that width (the page
// scrolls sideways, or a table or the hour chart is cut and scrolls inside itself), and keeps
// the screenshot for people to look at.
//
//   node scripts/render-summary.ts [SUMMARY.md] [--out PNG] [--chromium PATH]
//
// SUMMARY.md defaults to .tmp/summaries/final.md, the final (verify) summary of the offline
// pipeline run that `npm test` keeps (test/e2e/workflow.test.ts). .ci/run runs this after
// `apt-get install chromium` (Debian's package: /usr/bin/chromium).
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { renderSummary, summaryProblems } from '../test/support/summary-html.ts';

const ROOT = join(import.meta.dirname, '..');
const PAGE_WIDTH = 1000;

function fail(message: string, code = 1): never {
  console.error(`render-summary: ${message}`);
  process.exit(code);
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { out: { type: 'string' }, chromium: { type: 'string', default: '/usr/bin/chromium' } },
});
if (positionals.length > 1) fail('give at most one summary file', 2);
const file = positionals[0] ?? join(ROOT, '.tmp/summaries/final.md');
const out = values.out ?? join(ROOT, '.tmp/summary.png');
if (!existsSync(file)) fail(`${relative(ROOT, file)}: no such file (npm test keeps the pipeline run's final summary there; or name one)`, 2);
if (!existsSync(values.chromium)) fail(`${values.chromium}: no Chromium there (apt-get install chromium, or --chromium PATH)`, 2);

const markdown = await readFile(file, 'utf8');
if (!markdown.trim()) fail(`${relative(ROOT, file)} is empty`, 2);
// What the renderer already sees wrong is wrong in the browser too: say it first.
const problems = summaryProblems(markdown);
const css = await readFile(createRequire(import.meta.url).resolve('github-markdown-css/github-markdown-light.css'), 'utf8');
// The layout github.com gives a summary: the markdown body with its own padding, in the page.
const page = `<!doctype html><html><head><meta charset="utf-8"><style>${css}
  body { margin: 0; }
  .markdown-body { box-sizing: border-box; padding: 24px 32px; }
</style></head><body><article class="markdown-body">${renderSummary(markdown)}</article></body></html>`;

const browser = await chromium.launch({ executablePath: values.chromium, args: ['--no-sandbox'] });
let fits: boolean;
try {
  const tab = await browser.newPage({ viewport: { width: PAGE_WIDTH, height: 800 } });
  await tab.setContent(page, { waitUntil: 'load' });
  // Runs in the page (as text: this project's types have no DOM). A table or <pre> wider than its
  // box scrolls inside itself (GitHub's CSS): a reader sees it cut.
  const fit = await tab.evaluate<{ pageWidth: number; height: number; tables: number; wide: string[] }>(`(() => {
    const wide = [];
    for (const el of document.querySelectorAll('.markdown-body table, .markdown-body pre')) {
      if (el.scrollWidth > el.clientWidth + 1) wide.push('<' + el.tagName.toLowerCase() + '> ' + el.scrollWidth + ' px in a box of ' + el.clientWidth + ' px: ' + (el.textContent || '').slice(0, 60));
    }
    return { pageWidth: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight, tables: document.querySelectorAll('table').length, wide };
  })()`);
  await mkdir(dirname(out), { recursive: true });
  await tab.screenshot({ path: out, fullPage: true });
  if (fit.pageWidth > PAGE_WIDTH) problems.push(`the page is ${fit.pageWidth} px wide, more than ${PAGE_WIDTH}`);
  problems.push(...fit.wide);
  console.log(`render-summary: ${relative(ROOT, file)}: ${fit.tables} table(s), ${fit.pageWidth}×${fit.height} px; screenshot ${relative(ROOT, out)}`);
  fits = problems.length === 0;
} finally {
  await browser.close();
}
if (!fits) fail(`does not render as intended on a ${PAGE_WIDTH} px page:\n  ${problems.join('\n  ')}`);
console.log(`render-summary: fits a ${PAGE_WIDTH} px page`);
