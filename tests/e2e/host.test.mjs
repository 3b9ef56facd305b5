// Podscape inside a course page: the demo course (course/, served beside the app) with a live
// lesson at each section, and the postMessage API from a host page on another origin: allowed
// origins drive the cluster and hear about it; any other origin is ignored and told nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { useDist, openFresh, screenshot, shotsDir } from './harness.mjs';

let server;
let browser;
useDist((s, b) => {
  server = s;
  browser = b;
});

const newPage = (url) => openFresh(browser, url, { viewport: { width: 1200, height: 900 }, waitFor: null });

/** Runs a console line inside a framed Podscape. */
async function runIn(frame, line) {
  await frame.locator('[data-testid=console-input]').fill(line);
  await frame.locator('[data-testid=console-input]').press('Enter');
}

test('the demo course page embeds a lesson per section, and hears when a step is done', async () => {
  const { ctx, page, errors } = await newPage(`${server.url}course/`);
  const names = ['stable-address', 'service-types', 'what-survives', 'node-fails'];
  for (const name of names) {
    await page.locator(`[data-testid=frame-${name}]`).scrollIntoViewIfNeeded();
    const frame = page.frameLocator(`[data-testid=frame-${name}]`);
    await frame.locator('[data-testid=lesson]').waitFor();
    assert.match(await frame.locator('[data-testid=lesson-step]').textContent(), /^Step 1 of \d$/, name);
    await page.waitForFunction((n) => document.querySelector(`[data-testid=progress-${n}]`).textContent.startsWith('Ready'), name);
  }
  await page.locator('[data-testid=frame-service-types]').screenshot({ path: `${shotsDir}/course-frame.png` });
  const frame = page.frameLocator('[data-testid=frame-stable-address]');
  await page.locator('[data-testid=frame-stable-address]').scrollIntoViewIfNeeded();
  await runIn(frame, 'kubectl expose deployment backend --port=80 --target-port=8080');
  await runIn(frame, 'sim advance 10s');
  await frame.locator('[data-testid=lesson-step]', { hasText: 'Step 2 of 2' }).waitFor();
  const progress = page.locator('[data-testid=progress-stable-address]');
  await page.waitForFunction(() => document.querySelector('[data-testid=progress-stable-address]').dataset.stepsDone === '1');
  assert.equal(await progress.textContent(), 'Step 1 of 2 done.');
  await screenshot(page, 'course-step-done');

  // The host's reset button starts the exercise again through the API.
  await page.click('[data-testid=reset-stable-address]');
  await frame.locator('[data-testid=lesson-step]', { hasText: 'Step 1 of 2' }).waitFor();
  assert.equal(await frame.locator('[data-testid=service][data-name=backend]').count(), 0);
  assert.equal(await progress.textContent(), 'Not started.');
  assert.deepEqual(errors, []);
  await ctx.close();
});

/** A host page on its own origin, framing Podscape at `frameSrc(hostOrigin)`. */
async function serveHost(frameSrc) {
  let html = '';
  const host = http.createServer((req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
  await new Promise((r) => host.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${host.address().port}`;
  html = `<!doctype html><meta charset="utf-8"><title>host</title>
<iframe id="f" src="${frameSrc(origin)}" width="1000" height="700"></iframe>
<script>
  window.received = [];
  addEventListener('message', (e) => { if (e.source === document.getElementById('f').contentWindow) window.received.push({ origin: e.origin, data: e.data }); });
  window.send = (m) => document.getElementById('f').contentWindow.postMessage(m, '*');
</script>`;
  return { url: `${origin}/`, origin, close: () => new Promise((r) => host.close(r)) };
}

test('an allowed host page drives the cluster and hears checks, steps, Events and answers', async () => {
  const host = await serveHost((origin) => `${server.url}?scenario=stable-address&embed=1&origins=${encodeURIComponent(origin)}`);
  try {
    const { ctx, page, errors } = await newPage(host.url);
    const types = () => page.evaluate(() => window.received.map((m) => m.data.type));
    await page.waitForFunction(() => window.received.some((m) => m.data.type === 'podscape:ready'));
    const ready = await page.evaluate(() => window.received.find((m) => m.data.type === 'podscape:ready'));
    assert.deepEqual(ready.data, { type: 'podscape:ready', scenario: 'stable-address' });
    assert.equal(ready.origin, new URL(server.url).origin);

    await page.evaluate(() => window.send({ type: 'podscape:run', line: 'kubectl expose deployment backend --port=80 --target-port=8080' }));
    await page.waitForFunction(() => window.received.some((m) => m.data.type === 'podscape:output'));
    const output = await page.evaluate(() => window.received.find((m) => m.data.type === 'podscape:output').data);
    assert.deepEqual(output, { type: 'podscape:output', line: 'kubectl expose deployment backend --port=80 --target-port=8080', stdout: 'service/backend exposed\n', stderr: '', ok: true });
    await page.evaluate(() => window.send({ type: 'podscape:run', line: 'sim advance 10s' }));
    await page.waitForFunction(() => window.received.some((m) => m.data.type === 'podscape:step-completed'));
    await page.evaluate(() => window.send({ type: 'podscape:run', line: 'kubectl delete pod -l app=backend --wait=false' }));
    await page.waitForFunction(() => window.received.some((m) => m.data.type === 'podscape:event' && m.data.event.reason === 'Killing'));
    const got = await page.evaluate(() => window.received.map((m) => m.data));
    assert.deepEqual(got.find((m) => m.type === 'podscape:check-passed'), { type: 'podscape:check-passed', step: 0, check: 0, description: 'service backend has 3 ready endpoints' });
    assert.deepEqual(got.find((m) => m.type === 'podscape:step-completed'), { type: 'podscape:step-completed', step: 0, steps: 2, finished: false });
    const events = got.filter((m) => m.type === 'podscape:event');
    assert.ok(events.length > 0, 'Events are sent');
    for (const e of events) assert.deepEqual(Object.keys(e.event).sort(), ['at', 'message', 'namespace', 'object', 'reason', 'type']);

    // A message the frame cannot act on is answered with the reason; other scripts' messages are ignored.
    await page.evaluate(() => window.send({ type: 'podscape:explode' }));
    await page.evaluate(() => window.send({ type: 'somebody-else', line: 'kubectl delete pod --all' }));
    await page.waitForFunction(() => window.received.some((m) => m.data.type === 'podscape:error'));
    const error = await page.evaluate(() => window.received.find((m) => m.data.type === 'podscape:error').data.message);
    assert.match(error, /^message "podscape:explode" not understood/);

    await page.evaluate(() => window.send({ type: 'podscape:reset' }));
    const frame = page.frameLocator('#f');
    await frame.locator('[data-testid=lesson-step]', { hasText: 'Step 1 of 2' }).waitFor();
    assert.equal(await frame.locator('[data-testid=service][data-name=backend]').count(), 0);
    assert.ok((await types()).length > 3);
    assert.deepEqual(errors, []);
    await ctx.close();
  } finally {
    await host.close();
  }
});

test('a host page on an origin not in the list is ignored and told nothing', async () => {
  const host = await serveHost(() => `${server.url}?scenario=stable-address&embed=1&origins=${encodeURIComponent('https://course.example')}`);
  try {
    const { ctx, page, errors } = await newPage(host.url);
    const frame = page.frameLocator('#f');
    await frame.locator('[data-testid=lesson]').waitFor();
    await page.evaluate(() => window.send({ type: 'podscape:run', line: 'kubectl expose deployment backend --port=80 --target-port=8080' }));
    await page.waitForTimeout(1500);
    assert.equal(await frame.locator('[data-testid=console-line]').count(), 0, 'the line did not run');
    assert.equal(await frame.locator('[data-testid=service][data-name=backend]').count(), 0);
    assert.deepEqual(await page.evaluate(() => window.received), [], 'nothing was sent to this host');
    assert.deepEqual(errors, []);
    await ctx.close();
  } finally {
    await host.close();
  }
});
