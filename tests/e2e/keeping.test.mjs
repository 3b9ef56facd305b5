// Keeping the learner's work: autosave to localStorage (a reload brings back the cluster, the
// clock and the lesson's step), the link in the URL's hash (opened in a fresh browser it replays
// to the same cluster), a file to save and open, and saved work that cannot be opened set aside
// with a message, never a blank page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { useDist, openFresh, screenshot } from './harness.mjs';

let server;
let browser;
useDist((s, b) => {
  server = s;
  browser = b;
});

const open = (url, context) => openFresh(browser, url, { context });
const run = async (page, line) => {
  await page.fill('[data-testid=console-input]', line);
  await page.press('[data-testid=console-input]', 'Enter');
};
const pods = (page) => page.$$eval('[data-testid=pod]', (els) => els.map((e) => `${e.dataset.name} ${e.dataset.ip} ${e.dataset.status}`).sort());
const time = (page) => page.textContent('[data-testid=sim-time]');
/** Waits until the page has written its autosave (after the last command). */
const saved = (page, key) => page.waitForFunction((k) => (localStorage.getItem(k) ?? '').includes('"lines"'), key);

test('a reload brings back the cluster, the clock and the lesson step; the link replays in a fresh browser', async () => {
  const { ctx, page, errors } = await open(`${server.url}?scenario=stable-address`);
  await page.click('[data-testid=play]'); // pause: every instant below is one the test chose
  await page.selectOption('[data-testid=speed]', '4');
  await run(page, 'kubectl expose deployment backend --port=80 --target-port=8080');
  for (let i = 0; i < 40 && (await page.textContent('[data-testid=lesson-step]')) !== 'Step 2 of 2'; i++) {
    await page.click('[data-testid=step]');
  }
  assert.equal(await page.textContent('[data-testid=lesson-step]'), 'Step 2 of 2');
  // Step 2 asks for a deletion and then 3 ready endpoints: scaling to 1 does the first only.
  await run(page, 'kubectl scale deployment backend --replicas=1');
  await run(page, 'sim advance 3s');
  await page.waitForFunction(() => location.hash.startsWith('#h='));
  await saved(page, 'podscape:lesson:stable-address');
  const before = { pods: await pods(page), time: await time(page), checks: await page.$$eval('[data-testid=lesson-check]', (e) => e.map((x) => x.dataset.passed)) };
  const link = page.url();

  // The same browser, the page opened again without the link: localStorage brings it back.
  await page.goto(`${server.url}?scenario=stable-address`);
  await page.waitForSelector('[data-testid=notice]');
  assert.match(await page.textContent('[data-testid=notice]'), /Welcome back: your cluster is as you left it \(\d+ commands replayed\)/);
  assert.deepEqual(await pods(page), before.pods);
  assert.equal(await time(page), before.time);
  assert.equal(await page.textContent('[data-testid=lesson-step]'), 'Step 2 of 2');
  assert.deepEqual(await page.$$eval('[data-testid=lesson-check]', (e) => e.map((x) => x.dataset.passed)), before.checks);
  assert.equal(await page.inputValue('[data-testid=speed]'), '4');
  assert.equal(await page.getAttribute('[data-testid=play]', 'aria-pressed'), 'false', 'still paused');
  // The learner's lines are back in the console, marked as replayed; the lesson's set-up is not theirs.
  const replayed = await page.$$eval('[data-testid=console-line].replayed code', (els) => els.map((e) => e.textContent));
  assert.equal(replayed[0], 'kubectl expose deployment backend --port=80 --target-port=8080');
  assert.ok(replayed.includes('kubectl scale deployment backend --replicas=1'));
  assert.ok(!replayed.includes('kubectl delete service backend'), 'the set-up line is not shown');
  assert.match(await page.textContent('[data-testid=notice]'), new RegExp(`\\(${replayed.length} commands replayed\\)`));
  await screenshot(page, 'keeping-restored');

  // "Reset step" goes back to where step 2 began, which the saved work remembered.
  await page.click('[data-testid=lesson-reset-step]');
  assert.equal(await page.textContent('[data-testid=lesson-step]'), 'Step 2 of 2');
  assert.equal((await pods(page)).filter((p) => p.startsWith('backend-') && !p.includes('Terminating')).length, 3, 'the scaled-away pods are back');
  assert.deepEqual(await page.$$eval('[data-testid=lesson-check]', (e) => e.map((x) => x.dataset.passed)), ['false', 'false', 'false']);

  // A fresh browser (no storage) given the link: the same cluster, replayed.
  const fresh = await open(link);
  await fresh.page.waitForSelector('[data-testid=notice]');
  assert.match(await fresh.page.textContent('[data-testid=notice]'), /Opened the cluster from the link/);
  assert.deepEqual(await pods(fresh.page), before.pods);
  assert.equal(await time(fresh.page), before.time);
  assert.equal(await fresh.page.textContent('[data-testid=lesson-step]'), 'Step 2 of 2');
  assert.deepEqual(errors, []);
  assert.deepEqual(fresh.errors, []);
  await ctx.close();
  await fresh.ctx.close();
});

test('a link without ?scenario= opens its lesson too', async () => {
  const first = await open(`${server.url}?scenario=what-survives`);
  await first.page.click('[data-testid=play]');
  await run(first.page, 'kubectl get pods');
  await first.page.waitForFunction(() => location.hash.startsWith('#h='));
  const hash = new URL(first.page.url()).hash;
  const second = await open(`${server.url}${hash}`);
  await second.page.waitForSelector('[data-testid=lesson]');
  assert.match(await second.page.textContent('[data-testid=lesson]'), /survive/i);
  assert.deepEqual(await pods(second.page), await pods(first.page));
  assert.deepEqual([...first.errors, ...second.errors], []);
  await first.ctx.close();
  await second.ctx.close();
});

test('Save file and Open file carry a cluster to another browser', async () => {
  const a = await open(server.url);
  await a.page.click('[data-testid=play]');
  await run(a.page, 'kubectl scale deployment frontend --replicas=4');
  await run(a.page, 'sim advance 20s');
  await run(a.page, 'kubectl create configmap settings --from-literal=color=blue');
  const [download] = await Promise.all([a.page.waitForEvent('download'), a.page.click('[data-testid=save-file]')]);
  assert.equal(download.suggestedFilename(), 'podscape-cluster.json');
  const file = await download.path();
  const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.equal(saved.format, 'podscape-history/1');
  assert.deepEqual(saved.lines.map((l) => l.line), ['kubectl scale deployment frontend --replicas=4', 'sim advance 20s', 'kubectl create configmap settings --from-literal=color=blue']);

  const b = await open(server.url);
  await b.page.click('[data-testid=play]');
  await b.page.setInputFiles('[data-testid=open-file]', file);
  await b.page.waitForSelector('[data-testid=notice]');
  assert.match(await b.page.textContent('[data-testid=notice]'), /Opened the saved cluster \(3 commands replayed\)/);
  assert.deepEqual(await pods(b.page), await pods(a.page));
  assert.equal(await time(b.page), await time(a.page));
  await run(b.page, 'kubectl get configmap settings -o jsonpath={.data.color}');
  assert.equal(await b.page.locator('[data-testid=console-line] .stdout').last().textContent(), 'blue');

  // A file that is not a saved cluster changes nothing.
  const beforeBad = await pods(b.page);
  await b.page.click('[data-testid=notice-dismiss]');
  await b.page.setInputFiles('[data-testid=open-file]', { name: 'notes.json', mimeType: 'application/json', buffer: Buffer.from('{"format":"podscape-history/1","config":{"seed":1},"lines":[],"now":0}') });
  await b.page.waitForSelector('[data-testid=notice]');
  assert.match(await b.page.textContent('[data-testid=notice]'), /That file could not be opened: .*Nothing changed\./);
  assert.deepEqual(await pods(b.page), beforeBad);
  assert.deepEqual([...a.errors, ...b.errors], []);
  await a.ctx.close();
  await b.ctx.close();
});

test('saved work that cannot be opened is set aside with a message, and the page starts fresh', async () => {
  const cases = [
    ['{not json', /not a saved cluster \(not JSON/],
    ['{"format":"podscape-history/9","config":{},"lines":[],"now":0}', /format "podscape-history\/9", which this version cannot read/],
    [
      JSON.stringify({
        format: 'podscape-history/1',
        config: { seed: 1, empty: false, nodes: 3, podCidr: '10.244.0.0/16' },
        lines: [],
        now: 1767225600000,
        lesson: { scenario: 'node-fails', textHash: '0', progress: { step: 0, passed: 0 }, stepLines: 0, stepAt: 1767225600000 },
      }),
      /it belongs to the lesson "node-fails"/,
    ],
  ];
  for (const [text, why] of cases) {
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await ctx.addInitScript((t) => {
      if (!sessionStorage.getItem('seeded')) {
        localStorage.setItem('podscape:sandbox', t);
        sessionStorage.setItem('seeded', '1');
      }
    }, text);
    const { page, errors } = await open(server.url, ctx);
    await page.waitForSelector('[data-testid=notice]');
    const notice = await page.textContent('[data-testid=notice]');
    assert.match(notice, /Your saved cluster could not be restored/);
    assert.match(notice, why);
    assert.match(notice, /set aside in this browser's storage as "podscape:sandbox:set-aside"/);
    assert.equal(await page.evaluate(() => localStorage.getItem('podscape:sandbox:set-aside')), text, 'nothing is lost');
    assert.equal(await page.locator('[data-testid=node]').count(), 3, 'a fresh cluster is drawn');
    assert.equal(await page.locator('[data-testid=service][data-name=backend]').count(), 1);
    assert.deepEqual(errors, []);
    if (text === '{not json') await screenshot(page, 'keeping-set-aside');
    await ctx.close();
  }
});

test('a damaged link leaves the work this browser kept as it was', async () => {
  const { ctx, page, errors } = await open(server.url);
  await page.click('[data-testid=play]');
  await run(page, 'kubectl scale deployment frontend --replicas=3');
  await saved(page, 'podscape:sandbox');
  const before = await pods(page);
  // Another query string: a full load, not a jump within the page.
  await page.goto(`${server.url}?again=1#h=AAAA`);
  await page.waitForSelector('[data-testid=notice]');
  assert.match(await page.textContent('[data-testid=notice]'), /The link's cluster could not be opened/);
  assert.deepEqual(await pods(page), before, 'the kept cluster is opened instead');
  assert.match(await page.evaluate(() => localStorage.getItem('podscape:sandbox')), /replicas=3/, 'and it is still kept');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('a damaged link opens a fresh cluster with a message', async () => {
  // A few kilobytes that unpack to 20 MB: refused as they unpack, not after.
  const bomb = zlib.deflateRawSync(Buffer.alloc(20 * 1024 * 1024, 32)).toString('base64url');
  for (const hash of ['#h=!!!', '#h=AAAA', '#h=q1YqSSxJVbJSMDEwMjIyNDCwNDdV0lEqSCzKBAAAAP__', `#h=${bomb}`]) {
    const { ctx, page, errors } = await open(`${server.url}${hash}`);
    await page.waitForSelector('[data-testid=notice]');
    assert.match(await page.textContent('[data-testid=notice]'), /The link's cluster could not be opened: .+\./);
    if (hash.length > 1000) assert.match(await page.textContent('[data-testid=notice]'), /unpacks to more than 16 MB/);
    assert.equal(await page.locator('[data-testid=node]').count(), 3);
    assert.deepEqual(errors, []);
    await ctx.close();
  }
});
