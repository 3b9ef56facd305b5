// Manifests into the page: upload a file from the Kubernetes docs' examples and apply it; the
// console shows the kubectl line and its answer, and the objects appear on the map.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { useDist, openPage, screenshot } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const examples = path.join(here, '..', 'fixtures', 'k8s-examples');

let server;
let browser;
useDist((s, b) => {
  server = s;
  browser = b;
});

test('an uploaded manifest applies and its objects are drawn', async () => {
  const { page, errors } = await openPage(browser, server.url);
  await page.click('[data-testid=play]');
  await page.click('[data-testid=open-manifest]');
  await page.setInputFiles('[data-testid=manifest-file]', path.join(examples, 'application', 'web', 'web.yaml'));
  await page.waitForFunction(() => document.querySelector('[data-testid=manifest-text]').value.includes('StatefulSet'));
  await screenshot(page, 'manifest-editor');
  await page.click('[data-testid=manifest-apply]');
  const last = await page.locator('[data-testid=console-line]').last().innerText();
  assert.match(last, /kubectl apply -f web\.yaml/);
  assert.match(last, /statefulset\.apps\/web created/);
  await page.fill('[data-testid=console-input]', 'sim advance 60s');
  await page.press('[data-testid=console-input]', 'Enter');
  assert.equal(await page.locator('[data-testid=pod][data-owner=web]').count(), 2);
  assert.equal(await page.locator('[data-testid=volume][data-phase=Bound]').count(), 2);
  // A broken document is refused with its number and field path, and the rest still applies.
  await page.click('[data-testid=open-manifest]');
  await page.fill(
    '[data-testid=manifest-text]',
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: broken}\nspec: {replicas: three}\n',
  );
  await page.click('[data-testid=manifest-apply]');
  const answer = await page.locator('[data-testid=console-line]').last().innerText();
  assert.match(answer, /configmap\/fine created/);
  assert.match(answer, /\(document 2\): Deployment in version "apps\/v1" cannot be handled as a Deployment: spec\.replicas: invalid type/);
  assert.deepEqual(errors, []);
});

test('Export YAML downloads the learner\'s objects, ready for a real cluster', async () => {
  const { page, errors } = await openPage(browser, server.url);
  await page.fill('[data-testid=console-input]', 'kubectl create configmap settings --from-literal=mode=fast');
  await page.press('[data-testid=console-input]', 'Enter');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export]')]);
  assert.equal(download.suggestedFilename(), 'podscape-export.yaml');
  const text = await fs.readFile(await download.path(), 'utf8');
  assert.match(text, /kind: ConfigMap\nmetadata:\n  name: settings\n/);
  assert.match(text, /kind: Deployment/);
  assert.doesNotMatch(text, /uid:|resourceVersion:|status:/);
  assert.deepEqual(errors, []);
});

test('the prompt completes with Tab and recalls lines with Up', async () => {
  const { page, errors } = await openPage(browser, server.url);
  const prompt = '[data-testid=console-input]';
  // One candidate: the word is completed and a space added.
  await page.fill(prompt, 'kubectl get deploy');
  await page.press(prompt, 'Tab');
  assert.equal(await page.inputValue(prompt), 'kubectl get deployments ');
  await page.type(prompt, 'fr');
  await page.press(prompt, 'Tab');
  assert.equal(await page.inputValue(prompt), 'kubectl get deployments frontend ');
  await page.press(prompt, 'Enter');
  assert.match(await page.locator('[data-testid=console-line]').last().innerText(), /frontend\s+2\/2/);
  // Several candidates sharing nothing more: they are listed under the prompt.
  await page.fill(prompt, 'kubectl cordon node-');
  await page.press(prompt, 'Tab');
  assert.equal(await page.locator('[data-testid=completions]').innerText(), 'node-1  node-2  node-3');
  await screenshot(page, 'console-completion');
  await page.type(prompt, '2');
  assert.equal(await page.locator('[data-testid=completions]').count(), 0);
  // Up brings back the line run before.
  await page.fill(prompt, '');
  await page.press(prompt, 'ArrowUp');
  assert.equal(await page.inputValue(prompt), 'kubectl get deployments frontend ');
  // On an empty prompt Tab leaves the field, as keyboard users expect.
  await page.fill(prompt, '');
  await page.press(prompt, 'Tab');
  assert.notEqual(await page.evaluate(() => document.activeElement?.id), 'console-line');
  assert.deepEqual(errors, []);
});
