// Ten minutes of simulated churn with traffic running: pods deleted and crashed, Deployments
// scaled, a node failed and recovered, the clock playing fast in between. The page must raise no
// error, and neither the wasm memory nor the DOM may keep growing once the cluster has warmed up
// (Events, traces and the console are bounded).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useDist, screenshot } from './harness.mjs';

let server;
let browser;
useDist((s, b) => {
  server = s;
  browser = b;
});

test('the page survives ten simulated minutes of churn with traffic, without growing', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));
  // Trunk's loader announces the wasm instance; keep it to read the size of its memory.
  await page.addInitScript(() =>
    addEventListener('TrunkApplicationStarted', (e) => {
      window.__podscapeWasm = e.detail.wasm;
    }),
  );
  await page.goto(server.url);
  await page.waitForSelector('[data-testid=service][data-name=backend]');
  const run = async (line) => {
    await page.fill('[data-testid=console-input]', line);
    await page.press('[data-testid=console-input]', 'Enter');
  };
  const measure = () =>
    page.evaluate(() => ({
      wasm: window.__podscapeWasm.memory.buffer.byteLength,
      // The console keeps its last 200 exchanges; the drawing is what must not grow with time.
      dom: document.querySelector('.stage').getElementsByTagName('*').length,
      time: document.querySelector('[data-testid=sim-time]').textContent,
    }));

  await page.click('[data-testid=play]'); // pause; rounds below move time
  await page.selectOption('[data-testid=speed]', '16');
  await run('sim traffic deploy/frontend http://backend --rate 5');
  // The thousandth Event's name, once there are a thousand.
  const historiesFull = async () => {
    await run("kubectl get events -A -o jsonpath='{.items[999].metadata.name}'");
    return (await page.locator('[data-testid=console-line] .stdout').last().textContent()) !== '';
  };
  const round = async (n) => {
    for (const victim of await page.$$eval('[data-testid=pod][data-owner=backend][data-status=Running]', (els) => els.map((e) => e.dataset.name))) {
      await run(`kubectl delete pod ${victim} --wait=false`);
    }
    await run(`kubectl scale deployment frontend --replicas=${2 + (n % 3)}`);
    if (n % 4 === 1) {
      const crash = await page.getAttribute('[data-testid=pod][data-owner=frontend][data-status=Running]', 'data-name');
      if (crash) await run(`sim crash pod ${crash}`);
    }
    if (n % 20 === 3) await run('sim fail node node-3');
    if (n % 20 === 12) await run('sim recover node node-3');
    // Part of the round on the playing clock (drawing, dots, events), the rest in one jump.
    await page.click('[data-testid=play]');
    await page.waitForTimeout(200);
    await page.click('[data-testid=play]');
    await run('sim advance 5s');
    return measure();
  };
  // Churn until the cluster's histories are full (Events are kept up to 1000, as a real API
  // server keeps them for an hour) and ten simulated minutes have passed...
  const samples = [];
  let n = 0;
  while (n < 150 && (n % 5 !== 0 || !(await historiesFull()) || samples.at(-1).time < '2026-01-01 00:10:00')) {
    samples.push(await round(n++));
  }
  const full = await measure();
  // ...then twenty more rounds: nothing may keep growing.
  for (let i = 0; i < 20; i++) samples.push(await round(n++));
  const end = samples.at(-1);
  await screenshot(page, 'after-churn');
  console.log(`churn: ${n} rounds to ${end.time}; histories full after ${n - 20}`);
  console.log('churn: wasm memory MB by round:', samples.map((s) => (s.wasm / 2 ** 20).toFixed(1)).join(' '));
  console.log('churn: drawn elements by round:', samples.map((s) => s.dom).join(' '));
  assert.ok(n - 20 < 150, 'the Event history filled');
  assert.ok(end.wasm <= full.wasm * 1.1, `wasm memory grew from ${full.wasm} to ${end.wasm} once the histories were full`);
  const peakDom = Math.max(...samples.slice(10).map((s) => s.dom));
  assert.ok(peakDom <= samples[9].dom * 1.5, `the drawing grew from ${samples[9].dom} to ${peakDom} elements`);
  assert.deepEqual(errors, []);
});
