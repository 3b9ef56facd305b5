// Shared set-up for the end-to-end tests: a static server for the release build on loopback, and
// Debian's Chromium driven by playwright-core (never a downloaded browser).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// The release build in dist/, or another build of the page named by PODSCAPE_DIST (one that keeps
// its function names, to read a CPU profile of the benchmark).
export const distDir = process.env.PODSCAPE_DIST ?? path.join(root, 'dist');
export const shotsDir = path.join(root, 'target', 'e2e-screenshots');

const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.yaml': 'text/yaml; charset=utf-8',
};

/** Serves dist/ on 127.0.0.1 at a free port. */
export async function serveDist() {
  if (!fs.existsSync(path.join(distDir, 'index.html'))) {
    throw new Error('dist/index.html is missing: run `trunk build --release` (make build) first');
  }
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let file = path.normalize(path.join(distDir, decodeURIComponent(url.pathname)));
    if (!file.startsWith(distDir)) {
      res.writeHead(403).end();
      return;
    }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    fs.readFile(file, (err, body) => {
      if (err) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(r)) };
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/** A page that records every page error and console error, to assert there were none. */
export async function openPage(browser, url, viewport = { width: 1400, height: 900 }) {
  const page = await browser.newPage({ viewport });
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  await page.goto(url);
  await page.waitForSelector('[data-testid=service][data-name=backend]');
  return { page, errors };
}

export async function screenshot(page, name) {
  fs.mkdirSync(shotsDir, { recursive: true });
  await page.screenshot({ path: path.join(shotsDir, `${name}.png`), fullPage: true });
}

/**
 * Registers a test file's set-up and tear-down: the static server for dist/ and one browser,
 * handed to `ready` before the first test.
 */
export function useDist(ready) {
  let server;
  let browser;
  before(async () => {
    server = await serveDist();
    browser = await launch();
    ready(server, browser);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
}

/**
 * A page in a browser context of its own (its own storage), recording page errors, console
 * errors (those matching `ignore` excepted) and dialogs, all of which a test expects none of.
 */
export async function openFresh(browser, url, { viewport = { width: 1400, height: 900 }, context, waitFor = '[data-testid=node]', ignore } = {}) {
  const ctx = context ?? (await browser.newContext({ viewport, acceptDownloads: true }));
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !ignore?.test(m.text())) errors.push(m.text());
  });
  page.on('dialog', (d) => {
    errors.push(`dialog: ${d.message()}`);
    d.dismiss();
  });
  await page.goto(url);
  if (waitFor) await page.waitForSelector(waitFor);
  return { ctx, page, errors };
}

/** Applies a manifest the way a learner does: the YAML… box, pasted text, Apply. */
export async function pasteManifest(page, text) {
  await page.click('[data-testid=open-manifest]');
  await page.fill('[data-testid=manifest-text]', text);
  await page.click('[data-testid=manifest-apply]');
}
