// What a learner can do from the page, each click checked by what is drawn and by the console
// line it ran: scale, roll out an image, expose, make a pod unready, cordon, drain, fail and
// recover a node, start and stop traffic, step and reset the clock; the inspector's Events and
// YAML; the event log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useDist, openPage, screenshot, pasteManifest } from './harness.mjs';

let server;
let browser;
useDist((s, b) => {
  server = s;
  browser = b;
});

const lastLine = (page) => page.locator('[data-testid=console-line]').last().innerText();
const run = async (page, line) => {
  await page.fill('[data-testid=console-input]', line);
  await page.press('[data-testid=console-input]', 'Enter');
};
const pods = (page, owner) =>
  page.$$eval(`[data-testid=pod][data-owner="${owner}"]`, (els) =>
    els.map((e) => ({ name: e.dataset.name, status: e.dataset.status })),
  );

test('scale, roll out an image and expose a Deployment from its card', async () => {
  const { page, errors } = await openPage(browser, server.url);
  await page.click('[data-testid=play]'); // pause: each step is driven below
  const card = page.locator('[data-testid=deployment][data-name=frontend]');
  await card.locator('[data-testid=scale-up]').click();
  assert.match(await lastLine(page), /kubectl scale deployment frontend --replicas=3\s+deployment.apps\/frontend scaled/);
  assert.equal((await pods(page, 'frontend')).length, 3);
  await run(page, 'sim advance 10s');
  assert.equal(await card.locator('[data-testid=deployment-status]').innerText(), '3/3 ready');

  await card.locator('[data-testid=set-image]').click();
  await card.locator('[data-testid=image-input]').fill('nginx:1.28');
  await card.locator('[data-testid=image-input]').press('Enter');
  assert.match(await lastLine(page), /kubectl set image deployment\/frontend frontend=nginx:1.28\s+deployment.apps\/frontend image updated/);
  // Mid-rollout: two ReplicaSets on the card, the new one current, and the old one's pods marked.
  await run(page, 'sim advance 1s');
  assert.equal(await card.locator('[data-testid=replicaset]').count(), 2);
  assert.match(await card.locator('[data-testid=replicaset][data-current=true]').innerText(), /rev 2 .* nginx:1\.28/);
  assert.ok((await page.locator('[data-testid=pod][data-owner=frontend][data-old-revision=true]').count()) >= 1);
  await screenshot(page, 'rollout-in-progress');
  // Pointing at the card brings out its pods on the map; pointing at a ReplicaSet, that one's.
  const outside = () =>
    page.$$eval('[data-testid=pod]', (els) =>
      els.filter((e) => e.matches('.grouping .pod:not(.in-group)')).map((e) => e.dataset.owner),
    );
  await card.locator('header').hover();
  let faded = await outside();
  assert.ok(faded.length > 0 && !faded.includes('frontend'), `only other workloads fade: ${faded}`);
  const current = card.locator('[data-testid=replicaset][data-current=true]');
  await current.hover();
  const rs = await current.getAttribute('data-name');
  const inGroup = await page.$$eval('.grouping [data-testid=pod].in-group', (els) => els.map((e) => e.dataset.replicaset));
  assert.ok(inGroup.length > 0 && inGroup.every((r) => r === rs), `only ${rs}'s pods stand out: ${inGroup}`);
  // The fade is a 120 ms transition: let it finish before the picture.
  await page.waitForTimeout(200);
  await screenshot(page, 'replicaset-pointed');
  await page.mouse.move(5, 890);
  assert.deepEqual(await outside(), [], 'pointing away ends it');
  await run(page, 'kubectl rollout status deployment/frontend');
  assert.match(await lastLine(page), /successfully rolled out/);
  assert.match(await card.innerText(), /nginx:1\.28/);
  await run(page, 'sim advance 30s');
  assert.equal(await card.locator('[data-testid=replicaset]').count(), 1, 'the old ReplicaSet has no pods left');
  assert.equal(await page.locator('[data-testid=pod][data-old-revision=true]').count(), 0);

  // The expose dialog: port, target port, type, name; the line it will run is shown as it is edited.
  await card.locator('[data-testid=expose]').click();
  const form = card.locator('[data-testid=expose-form]');
  await form.locator('[data-testid=expose-port]').fill('8080');
  await form.locator('[data-testid=expose-target-port]').fill('80');
  await form.locator('[data-testid=expose-type]').selectOption('NodePort');
  await form.locator('[data-testid=expose-name]').fill('web');
  assert.equal(
    await form.locator('.card-line').innerText(),
    'kubectl expose deployment frontend --port=8080 --target-port=80 --type=NodePort --name=web',
  );
  await screenshot(page, 'expose-dialog');
  await form.locator('[data-testid=expose-submit]').click();
  assert.match(await lastLine(page), /service\/web exposed/);
  const web = page.locator('[data-testid=service][data-name=web]');
  await web.waitFor();
  assert.match(await web.textContent(), /NodePort/);
  // Ready endpoints only: pods of the old ReplicaSet may still be terminating (dashed lines).
  assert.equal(await page.locator('[data-testid=endpoint-line][data-service=web][data-ready=true]').count(), 3);
  assert.equal(await card.locator('[data-testid=expose]').count(), 0, 'an exposed Deployment offers no second Service');

  await card.locator('[data-testid=scale-down]').click();
  assert.match(await lastLine(page), /--replicas=2/);
  assert.deepEqual(errors, []);
});

test('a pod made unready leaves the endpoints; the inspector shows its Events and YAML', async () => {
  const { page, errors } = await openPage(browser, server.url);
  await page.click('[data-testid=play]');
  const [victim] = await pods(page, 'backend');
  await page.click(`[data-testid=pod][data-name="${victim.name}"]`);
  await page.click('[data-testid=toggle-ready]');
  assert.match(await lastLine(page), new RegExp(`sim unready pod ${victim.name}`));
  await run(page, 'sim advance 15s');
  assert.equal(await page.locator('[data-testid=endpoint-line][data-service=backend]').count(), 2);
  assert.equal(
    await page.locator(`[data-testid=endpoint-line][data-pod="${victim.name}"]`).count(),
    0,
    'no line to a pod that is not ready',
  );
  await page.click(`[data-testid=pod][data-name="${victim.name}"]`);
  const events = page.locator('[data-testid=inspector] [data-testid=inspector-events]');
  assert.match(await events.innerText(), /Scheduled/);
  await page.click('[data-testid=inspector] [data-testid=show-yaml]');
  const yaml = await page.locator('[data-testid=inspector] [data-testid=inspector-yaml]').innerText();
  assert.match(yaml, new RegExp(`name: ${victim.name}`));
  assert.match(yaml, /type: Ready\n\s+status: "False"|status: "False"\n\s+type: Ready/);
  await screenshot(page, 'pod-inspector-yaml');
  await page.click('[data-testid=toggle-ready]');
  assert.match(await lastLine(page), new RegExp(`sim ready pod ${victim.name}`));
  assert.deepEqual(errors, []);
});

test('cordon, drain, fail and recover a node from its inspector', async () => {
  const { page, errors } = await openPage(browser, server.url);
  await page.click('[data-testid=play]');
  const node = (name) => page.locator(`[data-testid=node][data-name=${name}]`);
  await node('node-2').locator('.node-header').click();
  const inspector = page.locator('[data-testid=node-inspector]');
  await inspector.locator('[data-testid=node-cordon]').click();
  assert.match(await lastLine(page), /kubectl cordon node-2\s+node\/node-2 cordoned/);
  assert.match(await node('node-2').textContent(), /SchedulingDisabled/);
  await inspector.locator('[data-testid=node-drain]').click();
  assert.match(await lastLine(page), /node\/node-2 drained/);
  assert.equal(await page.locator('[data-testid=pod][data-node=node-2]').count(), 0, 'drained');
  assert.equal((await pods(page, 'backend')).length, 3, 'the evicted pods were replaced elsewhere');
  await inspector.locator('[data-testid=node-cordon]').click();
  assert.match(await lastLine(page), /kubectl uncordon node-2/);

  await node('node-3').locator('.node-header').click();
  await inspector.locator('[data-testid=node-fail]').click();
  assert.match(await lastLine(page), /sim fail node node-3/);
  assert.equal(await node('node-3').getAttribute('data-machine'), 'powered off');
  await run(page, 'sim advance 60s');
  assert.match(await node('node-3').textContent(), /NotReady/);
  assert.match(await node('node-3').getAttribute('class'), /node-failed/);
  await screenshot(page, 'node-failed');
  // The inspector is still on node-3: its button now recovers the machine.
  await inspector.locator('[data-testid=node-fail]').click();
  assert.match(await lastLine(page), /sim recover node node-3/);
  await run(page, 'sim advance 20s');
  assert.match(await node('node-3').textContent(), /Ready/);
  assert.doesNotMatch(await node('node-3').textContent(), /NotReady/);
  assert.deepEqual(errors, []);
});

test('traffic starts and stops from the Service inspector; the event log and the clock controls', async () => {
  const { page, errors } = await openPage(browser, server.url);
  await page.click('[data-testid=play]');
  await page.click('[data-testid=service][data-name=backend]');
  const inspector = page.locator('[data-testid=service-inspector]');
  assert.match(await inspector.innerText(), /Endpoints[\s\S]*10\.244\./i);
  await inspector.locator('[data-testid=traffic-start]').click();
  assert.match(await lastLine(page), /sim traffic deploy\/frontend http:\/\/backend --rate 2\s+traffic 1/);
  await run(page, 'sim advance 5s');
  await run(page, 'sim traffic status');
  assert.match(await lastLine(page), /deploy\/frontend\s+http:\/\/backend\s+2\/s\s+\d+\s+[1-9]/);
  await page.click('[data-testid=service][data-name=backend]');
  await inspector.locator('[data-testid=traffic-stop]').click();
  assert.match(await lastLine(page), /sim traffic stop 1/);

  // The event log lists Events as they happen: a deleted pod's replacement is Scheduled.
  const [victim] = await pods(page, 'backend');
  await run(page, `kubectl delete pod ${victim.name} --wait=false`);
  await page.click('[data-testid=step]');
  assert.match(await lastLine(page), /sim step\s+stepped/);
  const log = page.locator('[data-testid=event-log]');
  assert.match(await log.innerText(), /Killing\s+pod\//);
  assert.match(await log.innerText(), /SuccessfulCreate\s+replicaset\/backend-/);
  await screenshot(page, 'event-log');

  // Reset: the cluster the page opened with, and an empty console.
  const timeBefore = await page.innerText('[data-testid=sim-time]');
  await page.click('[data-testid=reset]');
  assert.equal(await page.locator('[data-testid=console-line]').count(), 0);
  assert.equal(await page.innerText('[data-testid=sim-time]'), '2026-01-01 00:00:00 UTC');
  assert.notEqual(timeBefore, '2026-01-01 00:00:00 UTC');
  assert.equal((await pods(page, 'backend')).length, 3);
  assert.deepEqual(errors, []);
});

test('why a pod is not running is on the pod, with the Event one click away', async () => {
  const { page, errors } = await openPage(browser, server.url);
  await page.click('[data-testid=play]');
  // A pod no node can hold waits in the Unscheduled lane, saying why.
  await pasteManifest(page, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: huge\nspec:\n  containers:\n  - name: app\n    image: nginx\n    resources:\n      requests:\n        cpu: "64"\n');
  await run(page, 'sim advance 2s');
  const huge = page.locator('[data-testid=pod][data-name=huge]');
  assert.equal(await huge.getAttribute('data-node'), '');
  assert.match(await huge.getAttribute('data-reason'), /0\/3 nodes are available: 3 Insufficient cpu/);
  assert.match(await page.locator('[data-testid=unscheduled]').textContent(), /1 pending/);
  await huge.click();
  assert.match(await page.locator('[data-testid=pod-reason]').innerText(), /Insufficient cpu/);
  assert.match(await page.locator('[data-testid=inspector] [data-testid=inspector-events]').innerText(), /FailedScheduling/);
  await screenshot(page, 'pod-unschedulable');

  // An image the registry lacks: ImagePullBackOff on the card, the pull error in the inspector.
  await run(page, 'kubectl run typo --image=ngnix');
  await run(page, 'sim advance 30s');
  const typo = page.locator('[data-testid=pod][data-name=typo]');
  assert.equal(await typo.getAttribute('data-status'), 'ImagePullBackOff');
  await typo.click();
  assert.match(await page.locator('[data-testid=pod-reason]').innerText(), /ImagePullBackOff: Back-off pulling image "ngnix"/);
  assert.match(await page.locator('[data-testid=inspector] [data-testid=inspector-events]').innerText(), /Failed/);
  assert.deepEqual(errors, []);
});

test('traffic is drawn as dots from client to Service to backend, red where it fails', async () => {
  const { page, errors } = await openPage(browser, server.url);
  await page.click('[data-testid=service][data-name=backend]');
  await page.click('[data-testid=service-inspector] [data-testid=traffic-start]');
  await page.waitForSelector('[data-testid=traffic-dot][data-outcome=answered]', { timeout: 10_000 });
  await page.waitForTimeout(400);
  await screenshot(page, 'traffic-dots');
  // With no backend left, kube-proxy rejects: the dots turn red at the Service.
  await run(page, 'kubectl scale deployment backend --replicas=0');
  await page.waitForSelector('[data-testid=traffic-dot][data-outcome=refused]', { timeout: 15_000 });
  assert.match(await page.locator('[data-testid=service][data-name=backend]').getAttribute('class'), /service-down/);
  await screenshot(page, 'traffic-refused');
  assert.deepEqual(errors, []);
});

test('a claim made from the Storage card waits for its first pod, then binds', async () => {
  const { page, errors } = await openPage(browser, server.url);
  await page.click('[data-testid=play]');
  const card = page.locator('[data-testid=storage-card]');
  assert.match(await card.innerText(), /sc\/standard \(default\) · WaitForFirstConsumer · Delete/);
  await card.locator('[data-testid=new-claim]').click();
  await card.locator('[data-testid=claim-name]').fill('notes');
  await card.locator('[data-testid=claim-size]').fill('2Gi');
  await card.locator('[data-testid=claim-mode]').selectOption('ReadWriteMany');
  assert.match(await card.locator('[data-testid=claim-form] .card-line').innerText(), /kind: PersistentVolumeClaim[\s\S]*- ReadWriteMany[\s\S]*storage: 2Gi/);
  await screenshot(page, 'claim-form');
  await card.locator('[data-testid=claim-submit]').click();
  assert.match(await lastLine(page), /kubectl apply -f claim-notes\.yaml\s+persistentvolumeclaim\/notes created/);
  const claim = card.locator('[data-testid=claim][data-name=notes]');
  assert.equal(await claim.getAttribute('data-phase'), 'Pending', 'WaitForFirstConsumer: no volume until a pod uses it');
  // On the map, a pending claim waits in the claims row; a click asks describe why it waits.
  await page.click('[data-testid=claim-box][data-name=notes]');
  assert.match(await lastLine(page), /kubectl describe pvc notes[\s\S]*Status:\s+Pending[\s\S]*WaitForFirstConsumer/);
  await pasteManifest(page, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: writer\nspec:\n  containers:\n  - name: app\n    image: nginx\n    volumeMounts:\n    - name: notes\n      mountPath: /notes\n  volumes:\n  - name: notes\n    persistentVolumeClaim:\n      claimName: notes\n');
  await run(page, 'sim advance 20s');
  assert.equal(await claim.getAttribute('data-phase'), 'Bound');
  assert.match(await claim.innerText(), /Bound 2Gi RWX standard · used by writer/);
  assert.equal(await page.locator('[data-testid=volume][data-phase=Bound]').count(), 1);
  assert.deepEqual(errors, []);
});

test('everything a click does can be done from the keyboard, with the focus visible', async () => {
  const { page, errors } = await openPage(browser, server.url);
  await page.click('[data-testid=play]');
  const tabUntil = async (predicate, limit = 120) => {
    for (let i = 0; i < limit; i++) {
      await page.keyboard.press('Tab');
      if (await page.evaluate(predicate)) return true;
    }
    return false;
  };
  await page.focus('[data-testid=play]');
  assert.ok(await tabUntil(() => document.activeElement?.dataset?.testid === 'pod' && document.activeElement.dataset.owner === 'backend'));
  const name = await page.evaluate(() => document.activeElement.dataset.name);
  // The focused pod is outlined, as :focus-visible draws it.
  const stroke = await page.evaluate(() => getComputedStyle(document.activeElement.querySelector('rect')).stroke);
  assert.equal(stroke, 'rgb(255, 159, 28)', 'the focus colour outlines the pod');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=inspector]');
  // An inspector's button keeps the focus through the redraw its action causes, so a keyboard
  // user can press it again (here: unready, then ready).
  assert.ok(await tabUntil(() => document.activeElement?.dataset?.testid === 'toggle-ready'));
  await page.keyboard.press('Enter');
  assert.match(await lastLine(page), new RegExp(`sim unready pod ${name}`));
  await page.waitForFunction(() => document.activeElement?.dataset?.testid === 'toggle-ready');
  assert.equal(await page.evaluate(() => document.activeElement.innerText), 'Make ready');
  await page.keyboard.press('Enter');
  assert.match(await lastLine(page), new RegExp(`sim ready pod ${name}`));
  assert.ok(await tabUntil(() => document.activeElement?.dataset?.testid === 'delete-pod'));
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none', 'a focused button shows its outline');
  await page.keyboard.press('Enter');
  assert.match(await lastLine(page), new RegExp(`kubectl delete pod ${name} --wait=false`));
  // The inspector closes with its pod; the focus goes to the map, not to the page's start.
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Cluster map');
  // Nodes open from the keyboard too.
  await page.focus('[data-testid=play]');
  assert.ok(await tabUntil(() => document.activeElement?.classList?.contains('node-header')));
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=node-inspector]');
  assert.deepEqual(errors, []);
});

test('a shell opened in a pod shows its prompt; lines pasted together run one by one', async () => {
  const { page, errors } = await openPage(browser, server.url);
  await page.click('[data-testid=play]');
  await run(page, 'kubectl run -it --rm --image=busybox:1.28 shell --restart=Never -- sh');
  await page.waitForFunction(() => document.querySelector('[data-testid=console-prompt]').textContent.trim() === '/ #');
  await run(page, 'hostname');
  const exchange = page.locator('[data-testid=console-line]').last();
  assert.equal((await exchange.locator('.sigil').innerText()).trim(), '/ #');
  assert.match(await exchange.innerText(), /hostname\s+shell/);
  await screenshot(page, 'console-attached');
  await run(page, 'exit');
  assert.match(await lastLine(page), /pod "shell" deleted/);
  assert.equal((await page.locator('[data-testid=console-prompt]').textContent()).trim(), '$');

  // A tutorial's lines pasted at once: each runs, in order, with its own answer.
  const before = await page.locator('[data-testid=console-line]').count();
  await page.evaluate(() => {
    const input = document.querySelector('[data-testid=console-input]');
    const data = new DataTransfer();
    data.setData('text/plain', 'kubectl create deployment pasted --image=nginx\nkubectl get deployment pasted -o name\n');
    input.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  });
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=console-line]').length === n + 2, before);
  const lines = page.locator('[data-testid=console-line]');
  assert.match(await lines.nth(before).innerText(), /kubectl create deployment pasted --image=nginx\s+deployment.apps\/pasted created/);
  assert.match(await lines.nth(before + 1).innerText(), /deployment.apps\/pasted/);
  assert.equal(await page.inputValue('[data-testid=console-input]'), '');
  assert.deepEqual(errors, []);
});
