// A lesson beside the cluster (`?scenario=NAME`): the step's text, checks ticking as the cluster
// reaches them, the next step, "Show me", resets, and a clear message for an unknown lesson.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { useDist, screenshot } from './harness.mjs';

const lessonsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'lessons');

/** Another origin serving the lessons: with CORS allowed when `cors` is set, without otherwise. */
async function serveLessons(cors) {
  const server = http.createServer((req, res) => {
    const file = path.join(lessonsDir, path.basename(new URL(req.url, 'http://x').pathname));
    const headers = { 'content-type': 'text/yaml' };
    if (cors) headers['access-control-allow-origin'] = '*';
    if (!fs.existsSync(file)) return res.writeHead(404, headers).end('not found');
    res.writeHead(200, headers).end(fs.readFileSync(file));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((r) => server.close(r)) };
}

let server;
let browser;
useDist((s, b) => {
  server = s;
  browser = b;
});

const open = async (query) => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(`${server.url}?${query}`);
  await page.waitForSelector('[data-testid=node]');
  return { page, errors };
};
const run = async (page, line) => {
  await page.fill('[data-testid=console-input]', line);
  await page.press('[data-testid=console-input]', 'Enter');
};
const checks = (page) => page.$$eval('[data-testid=lesson-check]', (els) => els.map((e) => e.dataset.passed));

test('a lesson walks the learner through its steps as the cluster reaches each check', async () => {
  const { page, errors } = await open('scenario=stable-address');
  await page.click('[data-testid=play]');
  const lesson = page.locator('[data-testid=lesson]');
  assert.match(await lesson.innerText(), /Services give Pods a stable address/);
  assert.equal(await page.innerText('[data-testid=lesson-step]'), 'Step 1 of 2');
  assert.equal(await page.locator('[data-testid=lesson-text] strong').first().innerText(), 'backend', 'Markdown is drawn');
  assert.equal(await page.locator('[data-testid=service][data-name=backend]').count(), 0, 'the setup removed the Service');
  assert.deepEqual(await checks(page), ['false']);
  await screenshot(page, 'lesson-step-1');

  await run(page, 'kubectl expose deployment backend --port=80 --target-port=8080');
  assert.equal(await page.innerText('[data-testid=lesson-step]'), 'Step 2 of 2');
  assert.deepEqual(await checks(page), ['false', 'false', 'false']);
  // Waiting passes nothing: the step starts with a deletion.
  await run(page, 'sim advance 60s');
  assert.deepEqual(await checks(page), ['false', 'false', 'false']);
  // Reset step puts the cluster back as the step found it.
  await run(page, 'kubectl scale deployment backend --replicas=1');
  await page.click('[data-testid=lesson-reset-step]');
  assert.equal((await page.$$('[data-testid=pod][data-owner=backend]')).length, 3);
  // "Show me" runs the step's solution in the console.
  await page.click('[data-testid=lesson-solution]');
  assert.match(await page.locator('[data-testid=console-line]').last().innerText(), /kubectl delete pod -l app=backend --wait=false/);
  assert.deepEqual(await checks(page), ['true', 'false', 'false']);
  await screenshot(page, 'lesson-step-2');
  await run(page, 'sim advance 30s');
  assert.equal(await page.innerText('[data-testid=lesson-step]'), 'Done');
  await page.click('[data-testid=lesson-restart]');
  assert.equal(await page.innerText('[data-testid=lesson-step]'), 'Step 1 of 2');
  assert.deepEqual(errors, []);
});

test('an unknown lesson is named in a clear message, and the cluster still loads', async () => {
  const { page, errors } = await open('scenario=nope');
  assert.match(await page.innerText('[data-testid=lesson-error]'), /There is no lesson "nope"\. Lessons: stable-address, /);
  assert.equal(await page.locator('[data-testid=service][data-name=backend]').count(), 1);
  assert.deepEqual(errors, []);
});

test('a lesson can come from another origin that allows it; otherwise the message says why', async () => {
  const open_ = await serveLessons(true);
  const closed = await serveLessons(false);
  try {
    let { page, errors } = await open(`scenario=${encodeURIComponent(open_.url + 'node-fails.yaml')}`);
    await page.waitForSelector('[data-testid=lesson]');
    assert.match(await page.innerText('[data-testid=lesson]'), /A node fails/);
    assert.deepEqual(errors, []);
    await page.close();

    ({ page } = await open(`scenario=${encodeURIComponent(closed.url + 'node-fails.yaml')}`));
    await page.waitForSelector('[data-testid=lesson-error]');
    assert.match(await page.innerText('[data-testid=lesson-error]'), /could not be loaded: .*CORS: it must send Access-Control-Allow-Origin/);
    await page.close();

    ({ page } = await open(`scenario=${encodeURIComponent(open_.url + 'missing.yaml')}`));
    await page.waitForSelector('[data-testid=lesson-error]');
    assert.match(await page.innerText('[data-testid=lesson-error]'), /the server answered HTTP 404/);
    await page.close();
  } finally {
    await open_.close();
    await closed.close();
  }
});

test('embed=1 fits a 480 x 360 course iframe with the lesson and the cluster', async () => {
  const page = await browser.newPage({ viewport: { width: 480, height: 360 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}?scenario=stable-address&embed=1`);
  await page.waitForSelector('[data-testid=lesson]');
  assert.equal(await page.isVisible('.brand'), false, 'no page title inside a course frame');
  assert.equal(await page.isVisible('[data-testid=play]'), true);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 480, `no sideways scrolling (${width} px)`);
  await screenshot(page, 'embed-480');
  assert.deepEqual(errors, []);
});
