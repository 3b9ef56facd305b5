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
  // Frame intervals over three seconds of the playing clock, and how many frames the compositor
  // presented in full meanwhile (Chromium's frame reporter, from a trace): animation frames can
  // keep their cadence while rasterizing falls behind, so the second figure is the one a learner
  // sees.
  const cdp = await page.context().newCDPSession(page);
  const traced = [];
  cdp.on('Tracing.dataCollected', (d) => traced.push(...d.value));
  const traceDone = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.start', { categories: 'devtools.timeline,disabled-by-default-devtools.timeline.frame,viz,cc', transferMode: 'ReportEvents' });
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
  await cdp.send('Tracing.end');
  await traceDone;
  const presented = traced.filter(
    (e) => e.name === 'PipelineReporter' && e.ph === 'b' && e.args?.frame_reporter?.state === 'STATE_PRESENTED_ALL',
  ).length;
  await page.click('[data-testid=play]', { timeout: 600_000 });
  frames.sort((a, b) => a - b);
  const pct = (p) => frames[Math.min(frames.length - 1, Math.floor(p * frames.length))];
  // Click to effect: delete a pod from its inspector with a real click, as a learner does (the
  // button takes focus). Two figures, both from the input's timestamp: until the pod's card shows
  // Terminating in the page, and until the next frame is painted (the Event Timing API's duration
  // for the click, in 8 ms steps, 16 meaning within a frame; headless Chromium rasterizes on the
  // CPU). Median of five.
  const latencies = [];
  for (let round = 0; round < 5; round++) {
    const victim = await page.getAttribute('[data-testid=pod][data-owner=backend][data-status=Running]', 'data-name');
    await page.click(`[data-testid=pod][data-name="${victim}"]`, { timeout: 600_000 });
    await page.waitForTimeout(300);
    await page.evaluate((name) => {
      window.__effect = { dom: null, paint: null, start: null };
      const effect = window.__effect;
      document.addEventListener('click', (e) => { if (e.target.closest?.('[data-testid=delete-pod]')) effect.start = e.timeStamp; }, { capture: true, once: true });
      const observer = new MutationObserver(() => {
        if (effect.start !== null && document.querySelector(`[data-testid=pod][data-name="${name}"]`)?.dataset.status === 'Terminating') {
          observer.disconnect();
          effect.dom = performance.now() - effect.start;
        }
      });
      observer.observe(document.body, { subtree: true, childList: true, attributes: true });
      new PerformanceObserver((list, po) => {
        for (const e of list.getEntries()) {
          // The only click after this observer starts (its target, gone with the inspector, reads null).
          if (e.name === 'click') {
            effect.paint = e.duration;
            po.disconnect();
          }
        }
      }).observe({ type: 'event', durationThreshold: 16 });
    }, victim);
    await page.click('[data-testid=delete-pod]', { timeout: 600_000 });
    await page.waitForFunction(() => window.__effect.dom !== null, null, { timeout: 60_000 });
    // The API reports only interactions of 16 ms or more: none within a second means one frame.
    await page.waitForFunction(() => window.__effect.paint !== null, null, { timeout: 1000 }).catch(() => {});
    latencies.push(await page.evaluate(() => ({ ...window.__effect, paint: window.__effect.paint ?? 16 })));
    await page.waitForTimeout(300);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  results.push({
    pods,
    nodes,
    frames: frames.length,
    fps: +(1000 / pct(0.5)).toFixed(1),
    frame_ms_median: +pct(0.5).toFixed(1),
    frame_ms_p95: +pct(0.95).toFixed(1),
    presented_fps: +(presented / 3).toFixed(1),
    click_to_dom_ms: +median(latencies.map((l) => l.dom)).toFixed(1),
    click_to_paint_ms: median(latencies.map((l) => l.paint)),
    line_ms: timings,
  });
  console.log(JSON.stringify(results.at(-1)));
  await page.close();
}
await browser.close();
await server.close();
