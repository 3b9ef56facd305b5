// The course's second lesson, end to end in Chromium: data written in a container survives or
// vanishes with the thing it lives on. A StatefulSet pod's file, on its PersistentVolume, is still
// there after the pod is deleted; a file in the container's own layer is gone after a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useDist, openPage, screenshot, pasteManifest } from './harness.mjs';

let server;
let browser;
useDist((s, b) => {
  server = s;
  browser = b;
});

async function typeLine(page, line) {
  await page.fill('[data-testid=console-input]', line);
  await page.press('[data-testid=console-input]', 'Enter');
}

const chipFiles = (page, pod, kind) =>
  page.getAttribute(`[data-testid=pod][data-name="${pod}"] [data-testid=storage-chip][data-kind=${kind}]`, 'data-files');

test('a file on a PersistentVolume outlives its pod; one in the writable layer dies with the container', async () => {
  const { page, errors } = await openPage(browser, server.url);
  await page.click('[data-testid=play]');
  await typeLine(page, 'kubectl apply -f https://k8s.io/examples/application/web/web.yaml');
  await typeLine(page, 'sim advance 60s');
  assert.equal(await page.locator('[data-testid=volume][data-phase=Bound]').count(), 2);
  assert.equal(await page.locator('[data-testid=attach-line]').count(), 2);

  // Write to the volume and to the container's own layer, through the inspector's buttons.
  await page.click('[data-testid=pod][data-name=web-0]');
  await page.click('[data-testid=write-file][data-kind=persistentVolumeClaim]');
  // The inspector is redrawn with the file; the button pressed keeps the focus.
  await page.waitForFunction(() => document.activeElement?.dataset?.kind === 'persistentVolumeClaim');
  await page.click('[data-testid=write-file][data-kind=layer]');
  await page.waitForFunction(() => document.activeElement?.dataset?.kind === 'layer');
  assert.equal(await chipFiles(page, 'web-0', 'persistentVolumeClaim'), '1');
  assert.equal(await chipFiles(page, 'web-0', 'layer'), '1');
  assert.equal(await page.locator('[data-testid=storage-item]').count(), 2, 'the layer and the claim');
  await screenshot(page, 'storage-written');

  // A crash: the container restarts with a fresh layer; the volume keeps its file.
  await page.click('[data-testid=crash-container]');
  await typeLine(page, 'sim advance 20s');
  assert.equal(await page.locator('[data-testid=pod][data-name=web-0] [data-testid=storage-chip][data-kind=layer]').count(), 0);
  assert.equal(await chipFiles(page, 'web-0', 'persistentVolumeClaim'), '1');

  // The pod is deleted: the StatefulSet makes web-0 again, on the same claim, with the file.
  await page.click('[data-testid=pod][data-name=web-0]');
  await page.click('[data-testid=delete-pod]');
  await typeLine(page, 'sim advance 60s');
  assert.equal(await page.getAttribute('[data-testid=pod][data-name=web-0]', 'data-status'), 'Running');
  assert.equal(await chipFiles(page, 'web-0', 'persistentVolumeClaim'), '1');
  // Read it back from the new pod: `cat` at the claim's mount path.
  await page.click('[data-testid=pod][data-name=web-0]');
  await page.click('[data-testid=storage-item][data-kind=persistentVolumeClaim] [data-testid=read-file]');
  const read = await page.locator('[data-testid=console-line]').last().innerText();
  assert.match(read, /kubectl exec web-0 -c nginx -- cat \/usr\/share\/nginx\/html\/notes\.txt\s+web-0 was here/);
  await page.click('[data-testid=volume][data-claim="default/www-web-0"]');
  const inspector = await page.innerText('[data-testid=volume-inspector]');
  assert.match(inspector, /\/notes\.txt/);
  assert.match(inspector, /Bound/);
  await screenshot(page, 'storage-after-delete');

  // Claims, volumes and classes are drawn outside the nodes: each claim above the volume it
  // bound, joined by a line, and the default class under them.
  const claims = await page.$$eval('[data-testid=claim-box]', (els) => els.map((e) => [e.dataset.name, e.dataset.phase, e.dataset.volume]));
  assert.deepEqual(claims.map((c) => c.slice(0, 2)).sort(), [['www-web-0', 'Bound'], ['www-web-1', 'Bound']]);
  for (const [name, , volume] of claims) {
    assert.equal(await page.locator(`[data-testid=bind-line][data-claim=${name}][data-volume=${volume}]`).count(), 1, name);
    const c = await page.locator(`[data-testid=claim-box][data-name=${name}] rect`).boundingBox();
    const v = await page.locator(`[data-testid=volume][data-name=${volume}] rect`).boundingBox();
    assert.ok(Math.abs(c.x - v.x) < 1 && c.y < v.y, `${name} stands above ${volume}`);
  }
  assert.equal(await page.locator('[data-testid=storage-class][data-name=standard]').count(), 1);
  // A bound claim opens its volume and its files.
  await page.click('[data-testid=claim-box][data-name=www-web-1]');
  assert.match(await page.textContent('[data-testid=volume-inspector]'), /default\/www-web-1/);
  assert.deepEqual(errors, []);
});

test('a hostPath file lives on the node: it outlives the pod and shows on the node', async () => {
  const { page, errors } = await openPage(browser, server.url);
  await page.click('[data-testid=play]');
  assert.equal(await page.locator('[data-testid=node-disk]').count(), 0, 'no node has written files yet');
  const pod = [
    'apiVersion: v1',
    'kind: Pod',
    'metadata: {name: logger}',
    'spec:',
    '  nodeName: node-2',
    '  containers: [{name: app, image: nginx, volumeMounts: [{name: host, mountPath: /host}]}]',
    '  volumes: [{name: host, hostPath: {path: /var/log/app, type: DirectoryOrCreate}}]',
  ].join('\n');
  await pasteManifest(page, pod);
  await typeLine(page, 'sim advance 20s');
  await typeLine(page, "kubectl exec logger -- sh -c 'echo started > /host/out.txt'");
  await typeLine(page, 'kubectl delete pod logger --wait=false');
  await typeLine(page, 'sim advance 40s');
  assert.equal(await page.locator('[data-testid=pod][data-name=logger]').count(), 0, 'the pod is gone');
  const chip = page.locator('[data-testid=node][data-name=node-2] [data-testid=node-disk]');
  assert.equal(await chip.getAttribute('data-files'), '1', 'its file is still on node-2');
  await page.click('[data-testid=node][data-name=node-2] .node-header');
  assert.match(await page.textContent('[data-testid=node-disk-files]'), /\/var\/log\/app\/out\.txt\s+started/);
  await screenshot(page, 'node-disk');
  assert.deepEqual(errors, []);
});
