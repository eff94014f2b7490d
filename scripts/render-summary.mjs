#!/usr/bin/env node
// npm run summary-picture: the job summary as a reviewer sees it. Runs the committed CLI on the
// hardened example against the legacy one as the baseline (real numbers), renders the Markdown
// with GitHub's stylesheet, and screenshots it in headless Chromium (Debian's package: apt-get
// install chromium). Writes docs/summary.png (the HTML it renders stays in .tmp/).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { marked } from 'marked';

mkdirSync('.tmp', { recursive: true });
const run = (args) =>
  execFileSync(process.execPath, ['dist/cli.js', 'check', ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
const quick = ['--idle-seconds', '2', '--cache-probe', 'false'];
try {
  run(['--context', 'examples/legacy', ...quick, '--json', '.tmp/legacy.json']);
} catch {
  // The legacy example fails its checks (exit 1): that is the point of it.
}
const legacy = JSON.parse(readFileSync('.tmp/legacy.json', 'utf8'));
run([
  '--context',
  'examples/hardened',
  ...quick,
  '--baseline-image',
  legacy.target.imageId,
  '--markdown',
  '.tmp/summary.md',
]);

// Only what a reviewer sees first: everything above the folded list of checks.
const markdown = readFileSync('.tmp/summary.md', 'utf8').split('\n### Checks')[0];
const css = readFileSync(join('node_modules', 'github-markdown-css', 'github-markdown-light.css'), 'utf8');
const html = `<!doctype html><html><head><meta charset="utf-8"><title>Job summary</title><style>${css}
body { background: #fff; margin: 0; } .markdown-body { box-sizing: border-box; max-width: 1012px; margin: 0 auto; padding: 32px; }</style></head>
<body><article class="markdown-body">${marked.parse(markdown)}</article></body></html>`;
writeFileSync('.tmp/summary.html', html);
execFileSync(
  'chromium',
  [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--hide-scrollbars',
    `--user-data-dir=${join(process.cwd(), '.tmp', 'chromium')}`,
    '--window-size=1080,1880',
    '--screenshot=docs/summary.png',
    `file://${join(process.cwd(), '.tmp', 'summary.html')}`,
  ],
  { stdio: 'inherit' },
);
console.log('wrote docs/summary.png');
