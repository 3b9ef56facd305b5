// The page's benchmark: frame times with the clock playing and traffic running, at 200 and at
// 2,000 pods, and how long a click takes to show its effect. Headless timing is noisy, so this
// reports figures and fails on nothing (`make bench-page`, after `make build`).
import { serveDist, launch } from '../e2e/harness.mjs';

const server = await serveDist();
const browser = await launch();
const results = [];
for (const size of [200, 2000]) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.setDefaultTimeout(600_000);
  await page.goto(server.url);
  await page.waitForSelector('[data-testid=service][data-name=backend]');
  const timings = {};
  const run = async (line) => {
    const t = Date.now();
    await page.fill('[data-testid=console-input]', line, { timeout: 600_000 });
    await page.press('[data-testid=console-input]', 'Enter', { timeout: 600_000 });
    timings[line.split(' ').slice(0, 3).join(' ')] = Date.now() - t;
  };
  await page.click('[data-testid=play]');
  // About a hundred pods a node, as a real node holds at most 110.
  const nodes = Math.max(3, Math.ceil(size / 100));
  for (let i = 4; i <= nodes; i++) await run(`sim add node node-${i}`);
  await run(`kubectl scale deployment backend --replicas=${size - 4}`);
  await run('sim advance 120s');
  const pods = await page.locator('[data-testid=pod]').count();
  await run('sim traffic deploy/frontend http://backend --rate 20');
  await page.click('[data-testid=play]', { timeout: 600_000 });
  // Frame intervals over three seconds of the playing clock.
  const frames = await page.evaluate(
    () =>
      new Promise((resolve) => {
        const times = [];
        const start = performance.now();
        const tick = (t) => {
          times.push(t);
          if (t - start < 3000) requestAnimationFrame(tick);
          else resolve(times.slice(1).map((x, i) => x - times[i]));
        };
        requestAnimationFrame(tick);
      }),
  );
  await page.click('[data-testid=play]', { timeout: 600_000 });
  frames.sort((a, b) => a - b);
  const pct = (p) => frames[Math.min(frames.length - 1, Math.floor(p * frames.length))];
  // Click to effect: delete a pod from its inspector, until its card shows Terminating.
  const victim = await page.getAttribute('[data-testid=pod][data-owner=backend][data-status=Running]', 'data-name');
  await page.click(`[data-testid=pod][data-name="${victim}"]`, { timeout: 600_000 });
  const latency = await page.evaluate(
    (name) =>
      new Promise((resolve) => {
        const button = document.querySelector('[data-testid=delete-pod]');
        const start = performance.now();
        const done = () =>
          document.querySelector(`[data-testid=pod][data-name="${name}"]`)?.dataset.status === 'Terminating';
        const observer = new MutationObserver(() => {
          if (done()) {
            observer.disconnect();
            resolve(performance.now() - start);
          }
        });
        observer.observe(document.body, { subtree: true, childList: true, attributes: true });
        button.click();
        if (done()) resolve(performance.now() - start);
      }),
    victim,
  );
  results.push({
    pods,
    nodes,
    frames: frames.length,
    fps: +(1000 / pct(0.5)).toFixed(1),
    frame_ms_median: +pct(0.5).toFixed(1),
    frame_ms_p95: +pct(0.95).toFixed(1),
    click_to_effect_ms: +latency.toFixed(1),
    line_ms: timings,
  });
  console.log(JSON.stringify(results.at(-1)));
  await page.close();
}
await browser.close();
await server.close();
