// Safe on any page: the Content-Security-Policy forbids inline script (only Trunk's loader runs, by
// its hash), and no name, label, annotation, manifest, scenario text, saved state or URL parameter
// can run script or put markup on the page. Each channel is tried with the same payloads; a
// payload that ran would set window.__pwned, one that was inserted as markup would leave an
// element with an event handler attribute or a <script> in the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { useDist, openFresh, pasteManifest } from './harness.mjs';

const PAYLOADS = [
  '<img src=x onerror="window.__pwned=1">',
  '<script>window.__pwned=1</script>',
  '"><svg onload="window.__pwned=1"></svg>',
  "'><iframe srcdoc=\"<script>parent.__pwned=1</script>\"></iframe>",
];

let server;
let browser;
useDist((s, b) => {
  server = s;
  browser = b;
});

const open = (url, options) => openFresh(browser, url, { waitFor: '[data-testid=node], [data-testid=lesson-error]', ...options });

/** Nothing ran and nothing was inserted as markup. */
async function assertClean(page, what) {
  const found = await page.evaluate(() => ({
    pwned: window.__pwned ?? null,
    handlers: [...document.querySelectorAll('*')].filter((e) => [...e.attributes].some((a) => a.name.startsWith('on'))).map((e) => e.outerHTML.slice(0, 80)),
    scripts: document.querySelectorAll('body script, body iframe, body img[src=x], body svg[onload]').length,
  }));
  assert.deepEqual(found, { pwned: null, handlers: [], scripts: 0 }, what);
}

const run = async (page, line) => {
  await page.fill('[data-testid=console-input]', line);
  await page.press('[data-testid=console-input]', 'Enter');
};
const shellQuote = (s) => `'${s.replaceAll("'", `'"'"'`)}'`;

test('the policy is enforced: an inline script added at run time does not run', async () => {
  // The refusal below is reported on the console: that one is expected.
  const { ctx, page, errors } = await open(server.url, { ignore: /Content Security Policy/ });
  const csp = await page.getAttribute('meta[http-equiv=Content-Security-Policy]', 'content');
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval' 'sha256-[A-Za-z0-9+/=]+'/);
  assert.doesNotMatch(csp, /unsafe-inline|'unsafe-eval'/);
  const blocked = await page.evaluate(
    () =>
      new Promise((resolve) => {
        document.addEventListener('securitypolicyviolation', (e) => resolve(e.violatedDirective), { once: true });
        const s = document.createElement('script');
        s.textContent = 'window.__pwned = 1';
        document.body.append(s);
        setTimeout(() => resolve(window.__pwned ? 'ran' : 'no event'), 2000);
      }),
  );
  assert.equal(blocked, 'script-src-elem');
  assert.equal(await page.evaluate(() => window.__pwned ?? null), null);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('names, labels, annotations and manifests are shown as text, never as markup', async () => {
  const { ctx, page, errors } = await open(server.url);
  await page.click('[data-testid=play]');
  const pod = await page.getAttribute('[data-testid=pod][data-owner=backend]', 'data-name');
  for (const p of PAYLOADS) {
    await run(page, `kubectl create configmap ${shellQuote(p)}`);
    await run(page, `kubectl label pod ${pod} ${shellQuote(`x=${p}`)}`);
    await run(page, `kubectl annotate pod ${pod} --overwrite ${shellQuote(`note=${p}`)}`);
    await run(page, `kubectl run ${shellQuote(p)} --image=nginx`);
  }
  // A refused name is echoed in the error, as text.
  const out = await page.locator('[data-testid=console-line]').allTextContents();
  assert.ok(out.some((t) => t.includes('<img src=x onerror="window.__pwned=1">')), 'the payload is shown literally');
  // Annotations take any text: it reaches the inspector's YAML and describe.
  await page.click(`[data-testid=pod][data-name=${pod}]`);
  await run(page, `kubectl describe pod ${pod}`);
  await page.click('[data-testid=inspector] [data-testid=show-yaml]');
  assert.match(await page.textContent('[data-testid=inspector-yaml]'), /note: .*iframe srcdoc/);
  // A manifest whose every free-text field carries a payload.
  const manifest = [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: web',
    `  annotations: {note: ${JSON.stringify(PAYLOADS[0])}, other: ${JSON.stringify(PAYLOADS[2])}}`,
    'spec:',
    '  replicas: 1',
    '  selector: {matchLabels: {app: web}}',
    '  template:',
    '    metadata: {labels: {app: web}}',
    `    spec: {containers: [{name: web, image: ${JSON.stringify(PAYLOADS[1])}, env: [{name: X, value: ${JSON.stringify(PAYLOADS[3])}}]}]}`,
  ].join('\n');
  await pasteManifest(page, manifest);
  await run(page, 'sim advance 10s');
  await run(page, 'kubectl get deploy web -o yaml');
  await run(page, 'kubectl get events');
  const yaml = await page.locator('[data-testid=console-line]').last().textContent();
  assert.ok(yaml.length > 0);
  await assertClean(page, 'after names, labels, annotations and a manifest');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('a scenario file cannot put markup or script on the page', async () => {
  const scenario = [
    `title: ${JSON.stringify(PAYLOADS[0])}`,
    'steps:',
    '  - text: |',
    ...[
      'Raw HTML is dropped:',
      '',
      PAYLOADS[0],
      '',
      PAYLOADS[1],
      '',
      '<div onclick="window.__pwned=1">click</div>',
      '',
      '[a link](javascript:window.__pwned=1) and ![an image](x" onerror="window.__pwned=1)',
    ].map((l) => `      ${l}`),
    `    hint: ${JSON.stringify(PAYLOADS[2])}`,
    '    checks:',
    `      - line: ${JSON.stringify(`kubectl get cm x`)}`,
    `        expect: ${JSON.stringify(PAYLOADS[3])}`,
  ].join('\n');
  const other = http.createServer((req, res) => res.writeHead(200, { 'content-type': 'text/yaml', 'access-control-allow-origin': '*' }).end(scenario));
  await new Promise((r) => other.listen(0, '127.0.0.1', r));
  try {
    const { ctx, page, errors } = await open(`${server.url}?scenario=${encodeURIComponent(`http://127.0.0.1:${other.address().port}/evil.yaml`)}`);
    await page.waitForSelector('[data-testid=lesson]');
    assert.equal(await page.textContent('[data-testid=lesson] h2'), PAYLOADS[0], 'the title is text');
    assert.match(await page.textContent('[data-testid=lesson-text]'), /Raw HTML is dropped/);
    assert.equal(await page.locator('[data-testid=lesson] a, [data-testid=lesson] img').count(), 0);
    await page.click('[data-testid=lesson] summary');
    await page.click('[data-testid=lesson-text]');
    await assertClean(page, 'after a hostile scenario');
    assert.deepEqual(errors, []);
    await ctx.close();
  } finally {
    await new Promise((r) => other.close(r));
  }
});

test('URL parameters and saved state cannot put markup or script on the page', async () => {
  for (const p of PAYLOADS) {
    const q = encodeURIComponent(p);
    for (const url of [`?scenario=${q}`, `?scenario=${q}&embed=${q}&origins=${q}`, `?origins=javascript:${q}#h=${q}`]) {
      const { ctx, page, errors } = await open(`${server.url}${url}`);
      await page.waitForTimeout(300);
      await assertClean(page, url);
      assert.deepEqual(errors, [], url);
      await ctx.close();
    }
  }
  // Saved state is JSON: a payload in a console line replays as a (failing) command, shown as text.
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await ctx.addInitScript((line) => {
    if (sessionStorage.getItem('seeded')) return;
    sessionStorage.setItem('seeded', '1');
    localStorage.setItem(
      'podscape:sandbox',
      JSON.stringify({ format: 'podscape-history/1', config: { seed: 1, empty: false, nodes: 3, podCidr: '10.244.0.0/16' }, lines: [{ at: 1767225600000, line }], now: 1767225601000 }),
    );
  }, `kubectl create configmap ${PAYLOADS[0]}`);
  const { page, errors } = await open(server.url, { context: ctx, waitFor: '[data-testid=notice]' });
  await assertClean(page, 'after saved state with a payload');
  assert.deepEqual(errors, []);
  await ctx.close();
});
