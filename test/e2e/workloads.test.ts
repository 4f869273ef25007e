import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestNamespace, deleteNamespace, waitFor } from '../support/cluster.js';
import {
  apiToken,
  grantClusterAdminToPlatformAdmins,
  kubectl,
  registerCluster,
  screenshot,
  signIn,
  type KubeopsServer,
} from './support/console-env.js';
import { useConsoleSuite } from './support/console-suite.js';

/**
 * Changing many objects at once from the console: the resource explorer's
 * multi-select actions (scale, restart, delete with a confirmation) and
 * creating several objects from one pasted YAML manifest, each checked in
 * the cluster with kubectl.
 */

const CLUSTER = 'local';
const APPS = ['alpha', 'beta', 'gamma'];

const deployment = (namespace: string, name: string, replicas = 1) => `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: { app: ${name} }
  template:
    metadata:
      labels: { app: ${name} }
    spec:
      containers:
        - name: app
          image: registry.example/${name}:1.0
`;

describe('console: bulk actions and create from YAML', () => {
  const suite = useConsoleSuite();
  let server: KubeopsServer;
  let page: Page;
  let ns: string;
  let revokeClusterAdmin: () => void;

  const get = (kind: string, name: string, path: string) =>
    kubectl(['get', kind, name, '-n', ns, '-o', `jsonpath={${path}}`, '--ignore-not-found']);
  const names = (kind: string) =>
    kubectl(['get', kind, '-n', ns, '-o', 'jsonpath={.items[*].metadata.name}'])
      .split(' ')
      .filter(Boolean);
  const rows = () => page.locator(`[data-testid=resource-table] .vt-row[data-namespace="${ns}"]`);
  const rowNames = () =>
    rows().evaluateAll((all) => all.map((r) => r.getAttribute('data-name') ?? ''));
  const explore = async (path: string, count: number) => {
    await page.goto(`${server.url}/clusters/${CLUSTER}/explore/${path}?ns=${ns}`);
    await expect.poll(() => rows().count(), { timeout: 30_000 }).toBe(count);
  };
  const select = async (...selected: string[]) => {
    for (const name of selected)
      await rows()
        .and(page.locator(`[data-name="${name}"]`))
        .locator('input')
        .check();
    await expect
      .poll(() => page.locator('[data-testid=selected-count]').innerText())
      .toBe(`${selected.length} selected`);
  };
  /** Waits for the success message, or fails with the error message the page shows instead. */
  const succeeded = async (text: string) => {
    const success = page.locator('.el-message--success', { hasText: text }).last();
    const error = page.locator('.el-message--error').last();
    await success.or(error).waitFor();
    if (await error.isVisible())
      throw new Error(`the console reported: ${await error.innerText()}`);
  };

  /** Replaces the editor's text the way a person pastes a manifest in. */
  const paste = async (text: string) => {
    const editor = page.locator('[data-testid=yaml-editor] .monaco-editor');
    await editor.waitFor();
    await editor.click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: server.url,
    });
    // (A string: this file's types know no DOM.)
    await page.evaluate(`navigator.clipboard.writeText(${JSON.stringify(text)})`);
    // The browser reads the clipboard before it delivers the paste: wait for it.
    await page.evaluate(
      `void (globalThis.pasted = new Promise((done) => document.addEventListener('paste', () => setTimeout(done, 50), { capture: true, once: true })))`,
    );
    await page.keyboard.press('ControlOrMeta+V');
    await page.evaluate('globalThis.pasted');
    // The top of the editor shows the start of the pasted text, not the example it replaced.
    await page.keyboard.press('ControlOrMeta+Home');
    const shown = () =>
      page
        .locator('[data-testid=yaml-editor] .view-lines')
        .innerText()
        .then((t) => t.replace(/\u00a0/g, ' '));
    await expect.poll(shown).toContain(text.trim().split('\n').slice(0, 4).join('\n'));
  };
  const results = () => page.locator('[data-testid=create-results] .el-table__row');
  const outcome = () => page.locator('[data-testid=create-outcome]').innerText();

  beforeAll(async () => {
    ({ server, page } = suite);
    ns = await createTestNamespace('bulk');
    revokeClusterAdmin = grantClusterAdminToPlatformAdmins();
    kubectl(['apply', '-f', '-'], APPS.map((name) => deployment(ns, name)).join('---'));
    const token = await apiToken(server, server.adminUsername, server.adminPassword);
    await registerCluster(server, token, CLUSTER);
    await signIn(page, server, server.adminUsername, server.adminPassword);
  });

  afterAll(async () => {
    revokeClusterAdmin?.();
    await deleteNamespace(ns);
  });

  it('scales several selected Deployments at once', async () => {
    await explore('apps/v1/deployments', 3);
    await select('alpha', 'beta');
    await page.click('[data-testid=scale-selected]');
    await page.fill('[data-testid=scale-replicas] input', '3');
    await screenshot(page, 'explorer-bulk-scale');
    await page.click('[data-testid=scale-apply]');
    await succeeded('Scaled');
    expect(APPS.map((name) => get('deployment', name, '.spec.replicas'))).toEqual(['3', '3', '1']);
    // The live table follows: both report three ready replicas.
    for (const name of ['alpha', 'beta'])
      await expect
        .poll(
          () =>
            rows()
              .and(page.locator(`[data-name="${name}"]`))
              .innerText(),
          {
            timeout: 30_000,
          },
        )
        .toMatch(/\b3\/3\b/);
    expect(await page.locator('[data-testid=selected-count]').count()).toBe(0);
  });

  it('restarts several selected Deployments at once', async () => {
    await select('beta', 'gamma');
    // The count follows what is shown: a selected row the search hides is not counted.
    await page.fill('input[data-testid=search], [data-testid=search] input', 'gamma');
    await expect
      .poll(() => page.locator('[data-testid=selected-count]').innerText())
      .toBe('1 selected');
    await page.fill('input[data-testid=search], [data-testid=search] input', '');
    await expect
      .poll(() => page.locator('[data-testid=selected-count]').innerText())
      .toBe('2 selected');
    await page.click('[data-testid=restart-selected]');
    await succeeded('Restart');
    const restartedAt = (name: string) =>
      get(
        'deployment',
        name,
        '.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt',
      );
    expect(restartedAt('alpha')).toBe('');
    for (const name of ['beta', 'gamma'])
      expect(Date.parse(restartedAt(name))).toBeGreaterThan(Date.now() - 60_000);
  });

  it('dry-runs a pasted multi-document manifest with its diff, then applies it', async () => {
    const manifest = [
      `
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: ${ns}
data:
  mode: blue
`,
      deployment(ns, 'api', 2),
      `
apiVersion: v1
kind: Service
metadata:
  name: api
  namespace: ${ns}
spec:
  selector: { app: api }
  ports:
    - port: 80
`,
    ].join('---');
    await page.goto(`${server.url}/clusters/${CLUSTER}/create`);
    await paste(manifest);
    await page.click('[data-testid=create-dry-run]');
    await expect.poll(() => results().count()).toBe(3);
    expect(await outcome()).toContain('nothing was changed');
    expect(await results().allInnerTexts()).toEqual([
      expect.stringMatching(new RegExp(`#1\\s+ConfigMap/${ns}/settings\\s+created`)),
      expect.stringMatching(new RegExp(`#2\\s+Deployment/${ns}/api\\s+created`)),
      expect.stringMatching(new RegExp(`#3\\s+Service/${ns}/api\\s+created`)),
    ]);
    // Each new object is shown whole, as added lines.
    const diffs = page.locator('[data-testid=create-diff]');
    expect(await diffs.count()).toBe(3);
    expect(await diffs.nth(0).innerText()).toMatch(/^\+\s*mode: blue$/m);
    expect(await diffs.nth(1).innerText()).toMatch(/^\+\s*replicas: 2$/m);
    await screenshot(page, 'create-dry-run');
    expect(names('configmaps')).not.toContain('settings');
    expect(names('deployments')).not.toContain('api');

    await page.click('[data-testid=create-apply]');
    await succeeded('Applied 3');
    expect(get('configmap', 'settings', '.data.mode')).toBe('blue');
    expect(get('deployment', 'api', '.spec.replicas')).toBe('2');
    expect(get('service', 'api', '.spec.ports[0].port')).toBe('80');

    // Applied again with one value changed, the dry run shows just that change.
    await paste(manifest.replace('mode: blue', 'mode: green'));
    await page.click('[data-testid=create-dry-run]');
    await expect.poll(() => results().first().innerText()).toContain('configured');
    const change = await page.locator('[data-testid=create-diff]').first().innerText();
    expect(change).toMatch(/^-\/data\/mode: "blue"$/m);
    expect(change).toMatch(/^\+\/data\/mode: "green"$/m);
    expect(await results().nth(1).innerText()).toContain('unchanged');
    expect(get('configmap', 'settings', '.data.mode')).toBe('blue');
  });

  it('reports which document of a manifest failed and applies the others', async () => {
    const manifest = [
      `
apiVersion: v1
kind: ConfigMap
metadata:
  name: first
  namespace: ${ns}
`,
      deployment(ns, 'broken').replace('replicas: 1', 'replicas: many'),
      `
apiVersion: v1
kind: ConfigMap
metadata:
  name: third
  namespace: ${ns}
`,
    ].join('---');
    await page.goto(`${server.url}/clusters/${CLUSTER}/create`);
    await paste(manifest);
    await page.click('[data-testid=create-apply]');
    await expect.poll(outcome).toContain('Document #2 failed');
    const failed = await results().nth(1).innerText();
    expect(failed).toContain(`Deployment/${ns}/broken`);
    expect(failed).toContain('Failed');
    expect(failed).toMatch(/replicas/);
    await screenshot(page, 'create-failed-document');
    expect(names('configmaps')).toEqual(expect.arrayContaining(['first', 'third']));
    expect(names('deployments')).not.toContain('broken');
    expect(suite.errors).toEqual([]);
  });

  it('deletes several selected pods after a confirmation that names them', async () => {
    // alpha 3, beta 3, gamma 1 and api 2, once the restarts have settled.
    await waitFor('9 pods', async () => names('pods').length === 9);
    await explore('core/v1/pods', 9);
    const victims = (await rowNames()).filter((name) => name.startsWith('alpha-')).slice(0, 2);
    expect(victims).toHaveLength(2);
    await select(...victims);

    // Cancelling the confirmation deletes nothing.
    await page.click('[data-testid=delete-selected]');
    const dialog = page.locator('.el-message-box');
    await dialog.waitFor();
    for (const name of victims) expect(await dialog.innerText()).toContain(name);
    await page.waitForTimeout(300); // the dialog fades in
    await screenshot(page, 'explorer-bulk-delete-confirm');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(names('pods')).toEqual(expect.arrayContaining(victims));

    await page.click('[data-testid=delete-selected]');
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await succeeded('Deleted 2');
    await waitFor('both pods gone', async () => !names('pods').some((n) => victims.includes(n)));
    await expect.poll(rowNames, { timeout: 30_000 }).not.toContain(victims[0]);
    expect(await rowNames()).not.toContain(victims[1]);
  });

  it('deletes several selected Deployments', async () => {
    await explore('apps/v1/deployments', 4);
    await select('beta', 'gamma');
    await page.click('[data-testid=delete-selected]');
    await page.locator('.el-message-box').getByRole('button', { name: 'Delete' }).click();
    await succeeded('Deleted 2');
    await waitFor('beta and gamma gone', async () => names('deployments').join() === 'alpha,api');
    await expect.poll(rowNames, { timeout: 30_000 }).toEqual(['alpha', 'api']);
  });
});
