// The course's first lesson, end to end in Chromium: pods come and go with new IPs, the Service's
// IP stays, and its endpoints follow the pods.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useDist, openPage, screenshot } from './harness.mjs';

let server;
let browser;
useDist((s, b) => {
  server = s;
  browser = b;
});

const backendPods = (page) =>
  page.$$eval('[data-testid=pod][data-owner=backend]', (els) =>
    els.map((e) => ({ name: e.dataset.name, ip: e.dataset.ip, status: e.dataset.status })),
  );

test('a deleted backend pod is replaced with a new IP while the Service keeps its own', async () => {
  const { page, errors } = await openPage(browser, server.url);
  await screenshot(page, 'default-cluster');

  const serviceIp = await page.getAttribute('[data-testid=service][data-name=backend]', 'data-cluster-ip');
  assert.match(serviceIp, /^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/, 'a ClusterIP from 10.96.0.0/12');
  const before = await backendPods(page);
  assert.equal(before.length, 3);
  assert.ok(before.every((p) => p.status === 'Running' && p.ip.startsWith('10.244.')), JSON.stringify(before));
  assert.equal(await page.locator('[data-testid=endpoint-line][data-service=backend]').count(), 3);

  // Pause the clock, delete one backend pod, and see it terminating with its line in the console.
  await page.click('[data-testid=play]');
  const victim = before[0];
  await page.click(`[data-testid=pod][data-name="${victim.name}"]`);
  await page.click('[data-testid=delete-pod]');
  const console = page.locator('[data-testid=console-line]').last();
  assert.match(await console.innerText(), new RegExp(`kubectl delete pod ${victim.name} --wait=false`));
  assert.equal(
    await page.getAttribute(`[data-testid=pod][data-name="${victim.name}"]`, 'data-status'),
    'Terminating',
  );
  await screenshot(page, 'pod-terminating');

  // Run the clock: the ReplicaSet's replacement starts with a new name and a new IP.
  await page.click('[data-testid=play]');
  await page.waitForFunction(
    (old) => {
      const pods = [...document.querySelectorAll('[data-testid=pod][data-owner=backend]')];
      return (
        pods.length === 3 &&
        pods.every((p) => p.dataset.status === 'Running') &&
        !pods.some((p) => p.dataset.name === old)
      );
    },
    victim.name,
    { timeout: 30_000 },
  );
  const after = await backendPods(page);
  const oldIps = new Set(before.map((p) => p.ip));
  const fresh = after.filter((p) => !before.some((b) => b.name === p.name));
  assert.equal(fresh.length, 1, 'exactly one replacement pod');
  assert.ok(!oldIps.has(fresh[0].ip), `the replacement has a new IP (${fresh[0].ip})`);
  assert.equal(
    await page.getAttribute('[data-testid=service][data-name=backend]', 'data-cluster-ip'),
    serviceIp,
    'the Service keeps its IP',
  );
  await page.waitForFunction(
    () => document.querySelectorAll('[data-testid=endpoint-line][data-service=backend][data-ready=true]').length === 3,
  );
  const linked = await page.$$eval('[data-testid=endpoint-line][data-service=backend]', (els) =>
    els.map((e) => e.dataset.pod).sort(),
  );
  assert.deepEqual(linked, after.map((p) => p.name).sort(), 'one endpoint line to each backend pod');
  await screenshot(page, 'pod-replaced');
  assert.deepEqual(errors, []);
});

test('the page fits a 480 px course iframe without errors', async () => {
  const { page, errors } = await openPage(browser, server.url, { width: 480, height: 360 });
  assert.equal(await page.locator('[data-testid=node]').count(), 3);
  await screenshot(page, 'narrow-480');
  assert.deepEqual(errors, []);
});

test('the page follows the dark colour scheme and keeps its text readable', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, colorScheme: 'dark' });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url);
  await page.waitForSelector('[data-testid=service][data-name=backend]');
  await page.click('[data-testid=pod][data-owner=backend]');
  await screenshot(page, 'dark');
  // Relative luminance and contrast as WCAG defines them, for text against what it sits on.
  const contrast = await page.evaluate(() => {
    const rgb = (c) => c.match(/[\d.]+/g).slice(0, 3).map(Number);
    const lum = ([r, g, b]) => {
      const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const ratio = (a, b) => {
      const [x, y] = [lum(rgb(a)), lum(rgb(b))].sort((p, q) => q - p);
      return (x + 0.05) / (y + 0.05);
    };
    const bg = getComputedStyle(document.documentElement).backgroundColor;
    const css = (sel, prop) => getComputedStyle(document.querySelector(sel))[prop];
    return {
      background: lum(rgb(bg)),
      podName: ratio(css('.pod-name', 'fill'), css('.pod rect', 'fill')),
      nodeName: ratio(css('.node-name', 'fill'), css('.node rect', 'fill')),
      inspector: ratio(css('.inspector', 'color'), css('.inspector', 'backgroundColor')),
      eventText: ratio(css('.event-log', 'color'), css('.event-log', 'backgroundColor')),
    };
  });
  assert.ok(contrast.background < 0.05, `a dark background (${contrast.background})`);
  for (const [what, r] of Object.entries(contrast).filter(([k]) => k !== 'background')) {
    assert.ok(r >= 4.5, `${what} text contrast ${r.toFixed(2)} is below WCAG AA`);
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('a Service with many endpoints is drawn as a bundle, each endpoint keeping a branch of its own', async () => {
  const { page, errors } = await openPage(browser, server.url);
  await page.click('[data-testid=play]');
  const run = async (line) => {
    await page.fill('[data-testid=console-input]', line);
    await page.press('[data-testid=console-input]', 'Enter');
  };
  await run('kubectl scale deployment backend --replicas=80');
  await run('sim advance 60s');
  const ready = '[data-testid=endpoint-line][data-service=backend][data-ready=true]';
  await page.waitForFunction((sel) => document.querySelectorAll(sel).length === 80, ready);
  // A trunk from the Service and a spine down each of the three nodes, and a short branch from
  // the spine into each pod, instead of eighty lines across the map.
  assert.equal(await page.locator('[data-testid=endpoint-trunk][data-service=backend]').count(), 6);
  const branches = await page.$$eval(ready, (els) =>
    els.map((e) => [e.x1.baseVal.value, e.y1.baseVal.value, e.x2.baseVal.value, e.y2.baseVal.value, e.dataset.pod]),
  );
  for (const [x1, y1, x2, y2, pod] of branches) {
    assert.ok(x2 - x1 > 0 && x2 - x1 <= 10 && y1 === y2, `${pod}: a short level branch, not (${x1},${y1})→(${x2},${y2})`);
    // The branch meets its pod's card at the card's left edge, halfway down.
    const card = await page.$eval(`[data-testid=pod][data-name="${pod}"] rect`, (r) => [r.x.baseVal.value, r.y.baseVal.value, r.height.baseVal.value]);
    assert.deepEqual([x2, y2], [card[0], card[1] + card[2] / 2], pod);
  }
  await screenshot(page, 'endpoints-bundled');
  assert.deepEqual(errors, []);
});

test('the map keeps its scale and places as nodes and an unscheduled lane are added', async () => {
  const { page, errors } = await openPage(browser, server.url);
  await page.click('[data-testid=play]');
  const boxes = () =>
    page.$$eval('[data-testid=node], [data-testid=pod], [data-testid=service]', (els) =>
      Object.fromEntries(
        els.map((e) => {
          // A node's frame, not its group: a cordoned header's longer text may overhang.
          const r = (e.dataset.testid === 'node' ? e.querySelector('rect') : e).getBoundingClientRect();
          return [e.dataset.name, [r.x, r.y, r.width, r.height]];
        }),
      ),
    );
  const before = await boxes();
  const run = async (line) => {
    await page.fill('[data-testid=console-input]', line);
    await page.press('[data-testid=console-input]', 'Enter');
  };
  await run('sim add node node-4');
  await run('kubectl cordon node-1 node-2 node-3 node-4');
  await run('kubectl run waiting --image=nginx');
  await page.waitForSelector('[data-testid=unscheduled]');
  await page.waitForSelector('[data-testid=node][data-name=node-4]');
  const after = await boxes();
  for (const [name, box] of Object.entries(before)) {
    // The cordoned nodes' headers change their text, not their place or size; a taller drawing
    // may round the scale differently by a fraction of a pixel, which nobody sees.
    const moved = box.map((v, i) => Math.abs(v - after[name][i]));
    assert.ok(Math.max(...moved) < 1, `${name} stayed where it was: ${box} → ${after[name]}`);
  }
  await screenshot(page, 'map-grown');
  assert.deepEqual(errors, []);
});
