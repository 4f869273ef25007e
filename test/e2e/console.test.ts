import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendPodLog, createTestNamespace, deleteNamespace, waitFor } from '../support/cluster.js';
import {
  apiToken,
  callApi,
  flatKubeconfig,
  grantClusterAdminToPlatformAdmins,
  kubectl,
  newConsole,
  screenshot,
  signIn,
  type KubeopsServer,
} from './support/console-env.js';
import { useConsoleSuite } from './support/console-suite.js';

/**
 * The web console end to end: the real server and the local cluster, driven
 * through headless Chromium as an operator would, one step after another.
 */

const CLUSTER = 'local';

const deployment = (namespace: string, replicas: number) => `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${namespace}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: app
          image: registry.example/app:1.0
`;

describe('web console', () => {
  const suite = useConsoleSuite();
  let server: KubeopsServer;
  let page: Page;
  let errors: string[];
  let ns: string;
  let other: string;
  let revokeClusterAdmin: () => void;

  const podRows = () =>
    page.locator(`[data-testid=resource-table] .vt-row[data-namespace="${ns}"]`);
  const podNames = async () =>
    podRows().evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name') ?? ''));
  const runningPods = () =>
    kubectl([
      'get',
      'pods',
      '-n',
      ns,
      '-l',
      'app=web',
      '--field-selector=status.phase=Running',
      '-o',
      'name',
    ])
      .split('\n')
      .filter(Boolean)
      .map((name) => name.replace(/^pod\//, ''));

  beforeAll(async () => {
    ({ server, page, errors } = suite);
    ns = await createTestNamespace('web');
    other = await createTestNamespace('web-other');
    // KubeOps calls the cluster as the signed-in user; the cluster's RBAC grants
    // platform admins cluster-admin here.
    revokeClusterAdmin = grantClusterAdminToPlatformAdmins();
    kubectl(['apply', '-f', '-'], deployment(ns, 2) + '---' + deployment(other, 1));
  });

  afterAll(async () => {
    revokeClusterAdmin?.();
    await deleteNamespace(ns);
    await deleteNamespace(other);
  });

  it('greets a Chinese browser in Chinese and an English one in English', async () => {
    const zh = await newConsole(suite.browser, 'zh-CN');
    await zh.page.goto(`${server.url}/`);
    await zh.page.waitForURL(/\/login/);
    await expect.poll(() => zh.page.locator('[data-testid=login-submit]').innerText()).toBe('登录');
    await screenshot(zh.page, 'login-zh-CN');
    await zh.context.close();

    await page.goto(`${server.url}/clusters`);
    await page.waitForURL(/\/login\?redirect=%2Fclusters$|\/login\?redirect=\/clusters$/);
    await expect.poll(() => page.locator('[data-testid=login-submit]').innerText()).toBe('Sign in');
    await screenshot(page, 'login');
  });

  it('signs in and shows a wrong password as an error', async () => {
    await page.fill('input[name=username]', server.adminUsername);
    await page.fill('input[name=password]', 'not-the-password');
    await page.click('[data-testid=login-submit]');
    await page.locator('[data-testid=login-error]').waitFor();
    await page.fill('input[name=password]', server.adminPassword);
    await page.click('[data-testid=login-submit]');
    await page.waitForURL('**/clusters');
    await page.locator('[data-testid=user-menu]', { hasText: 'Administrator' }).waitFor();
  });

  it('adds the cluster from a pasted kubeconfig, picking its context', async () => {
    await page.click('[data-testid=add-cluster]');
    await page.fill('textarea[name=kubeconfig]', flatKubeconfig());
    // The server lists the kubeconfig's contexts; the current one is preselected.
    const context = page.locator('[data-testid=cluster-form] .context').first();
    await context.waitFor();
    await expect.poll(() => context.locator('input[type=checkbox]').isChecked()).toBe(true);
    await page.fill('[data-testid=cluster-form] input[name=name]', CLUSTER);
    await screenshot(page, 'cluster-add');
    await page.click('[data-testid=cluster-save]');
    const row = page.locator('[data-testid=clusters-table] tr', { hasText: CLUSTER });
    await row.waitFor();
    await expect
      .poll(() => row.locator('[data-state]').getAttribute('data-state'), { timeout: 30_000 })
      .toBe('connected');
    await screenshot(page, 'clusters');
  });

  it('shows the cluster overview', async () => {
    await page.goto(`${server.url}/clusters/${CLUSTER}`);
    await expect
      .poll(() => page.locator('[data-testid=overview-nodes] .stat').innerText(), {
        timeout: 30_000,
      })
      .toMatch(/^[1-9]\d* \/ [1-9]/);
    await page.waitForTimeout(500); // the chart draws after ECharts loads
    await screenshot(page, 'overview');
  });

  it('lists pods with their printer columns', async () => {
    await waitFor('2 running pods of web', async () => runningPods().length === 2);
    await page.goto(`${server.url}/clusters/${CLUSTER}/explore/core/v1/pods?ns=${ns}`);
    await expect.poll(podNames, { timeout: 30_000 }).toHaveLength(2);
    const header = await page.locator('[data-testid=resource-table] .vt-head').innerText();
    for (const column of ['Name', 'Ready', 'Status', 'Restarts', 'Age'])
      expect(header).toContain(column);
    // The Status cell is coloured by what it says.
    await expect
      .poll(() => podRows().first().locator('.tone-ok', { hasText: 'Running' }).count())
      .toBe(1);
    await screenshot(page, 'explorer-pods');
  });

  it('updates the table without a reload when kubectl deletes a pod', async () => {
    await page.evaluate(
      () => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true),
    );
    const before = await podNames();
    const victim = before[0]!;
    kubectl(['delete', 'pod', '-n', ns, victim, '--wait=false']);
    await expect.poll(podNames, { timeout: 30_000 }).not.toContain(victim);
    // The ReplicaSet replaces it, and the replacement appears too.
    await expect.poll(async () => (await podNames()).length, { timeout: 30_000 }).toBe(2);
    expect(
      await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded),
    ).toBe(true);
  });

  it('shows a banner while the server is away and resumes the live table by itself', async () => {
    await page.evaluate(
      () => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true),
    );
    const banner = page.locator('[data-testid=connection-banner]');
    const restarting = server.restart(2000);
    await banner.waitFor({ timeout: 30_000 });
    await screenshot(page, 'explorer-connection-lost');
    await restarting;
    await banner.waitFor({ state: 'hidden', timeout: 60_000 });
    // Still live after the reconnect: another deletion reaches the table.
    const victim = (await podNames())[0]!;
    kubectl(['delete', 'pod', '-n', ns, victim, '--wait=false']);
    await expect.poll(podNames, { timeout: 30_000 }).not.toContain(victim);
    expect(
      await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded),
    ).toBe(true);
  });

  it('edits a Deployment’s replicas in YAML, shows the diff, applies it, and new pods appear', async () => {
    await page.goto(`${server.url}/clusters/${CLUSTER}/r/apps/v1/deployments/${ns}/web`);
    await page.locator('.el-tabs__item', { hasText: 'YAML' }).click();
    await page.click('[data-testid=yaml-edit]');
    // Change the 2 of `replicas: 2` to 3 in the editor, as a person would.
    const line = page
      .locator('[data-testid=yaml-editor] .view-line')
      .filter({ hasText: /replicas:\s2$/ });
    await line.waitFor();
    await line.click();
    await page.keyboard.press('End');
    await page.keyboard.press('Backspace');
    await page.keyboard.type('3');
    await page.click('[data-testid=yaml-review]');
    const diff = page.locator('[data-testid=yaml-diff]');
    await diff.waitFor();
    const text = await diff.innerText();
    expect(text).toMatch(/^-\s+replicas: 2$/m);
    expect(text).toMatch(/^\+\s+replicas: 3$/m);
    await expect
      .poll(() => page.locator('[data-testid=server-diff]').innerText())
      .toContain('/spec/replicas');
    await screenshot(page, 'detail-yaml-diff');
    await page.click('[data-testid=yaml-apply]');
    await waitFor('3 running pods of web', async () => runningPods().length === 3);
    await page.goto(`${server.url}/clusters/${CLUSTER}/explore/core/v1/pods?ns=${ns}`);
    await expect.poll(podNames, { timeout: 30_000 }).toHaveLength(3);
  });

  it('reads a pod’s logs', async () => {
    const pod = runningPods()[0]!;
    const marker = `console-log-line-${Date.now()}`;
    appendPodLog([marker]);
    await page.goto(`${server.url}/clusters/${CLUSTER}/r/core/v1/pods/${ns}/${pod}`);
    await page.locator('.el-tabs__item', { hasText: 'Logs' }).click();
    await expect
      .poll(() => page.locator('[data-testid=log-lines]').innerText(), { timeout: 30_000 })
      .toContain(marker);
    await page.fill('input[data-testid=log-search], [data-testid=log-search] input', marker);
    await expect
      .poll(() => page.locator('[data-testid=log-lines] .line').count())
      .toBeGreaterThan(0);
    await screenshot(page, 'detail-logs');
  });

  it('runs a command in the exec terminal', async () => {
    const pod = runningPods()[0]!;
    await page.goto(`${server.url}/clusters/${CLUSTER}/r/core/v1/pods/${ns}/${pod}`);
    await page.locator('.el-tabs__item', { hasText: 'Terminal' }).click();
    await page.click('[data-testid=exec-connect]');
    await expect
      .poll(() => page.locator('[data-testid=exec-state]').innerText(), { timeout: 30_000 })
      .toBe('Connected');
    await page.locator('[data-testid=exec-terminal] .xterm').click();
    await page.keyboard.type('echo "exec:$KUBEOPS_TEST_EXEC"\n');
    await expect
      .poll(() => page.locator('[data-testid=exec-terminal] .xterm-rows').innerText(), {
        timeout: 30_000,
      })
      .toContain('exec:1');
    await screenshot(page, 'detail-terminal');
  });

  it('shows a namespace-bound user only that namespace', async () => {
    const token = await apiToken(server, server.adminUsername, server.adminPassword);
    const username = `dev-${Date.now().toString(36)}`;
    const password = `${username}-password`;
    const user = await callApi<{ id: string }>(server, token, 'POST', '/api/v1/users', {
      username,
      password,
    });
    // Platform: may use the cluster. Cluster: may work in one namespace only.
    await callApi(server, token, 'POST', '/api/v1/role-bindings', {
      role: 'viewer',
      subjectKind: 'user',
      subject: user.id,
      cluster: CLUSTER,
    });
    kubectl([
      'create',
      'rolebinding',
      `${username}-edit`,
      '-n',
      ns,
      '--clusterrole=edit',
      `--user=kubeops:${username}`,
    ]);

    const dev = await newConsole(suite.browser);
    suite.shown = dev.page;
    await signIn(dev.page, server, username, password);
    await dev.page.goto(`${server.url}/clusters/${CLUSTER}/explore/core/v1/pods`);
    const rows = dev.page.locator('[data-testid=resource-table] .vt-row');
    // Every pod of the namespace, and nothing of the other namespace (which has one too).
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(runningPods().length);
    const namespaces = await rows.evaluateAll((r) => [
      ...new Set(r.map((e) => e.getAttribute('data-namespace'))),
    ]);
    expect(namespaces).toEqual([ns]);
    await dev.page.click('[data-testid=namespace-filter]');
    // The namespace filter offers only the namespace the user may use.
    await expect
      .poll(() => dev.page.locator('.el-select-dropdown__item:visible').allInnerTexts())
      .toEqual([ns]);
    await dev.page.keyboard.press('Escape');
    await screenshot(dev.page, 'explorer-namespace-bound-user');
    await dev.context.close();
  });

  it('adds and revokes an inspection exemption with a reason and an expiry', async () => {
    await page.goto(`${server.url}/inspections`);
    await page.locator('[data-testid=trends]').waitFor();
    const reason = `accepted risk ${Date.now()}`;
    await page.fill(
      '[data-testid=exemption-rules] input, input[data-testid=exemption-rules]',
      'image-latest',
    );
    await page.fill(
      '[data-testid=exemption-namespace] input, input[data-testid=exemption-namespace]',
      ns,
    );
    await page.fill(
      '[data-testid=exemption-reason] input, input[data-testid=exemption-reason]',
      reason,
    );
    await page.click('[data-testid=exemption-add]');
    const exemptions = page.locator('[data-testid=exemptions]');
    await expect.poll(() => exemptions.innerText()).toContain(reason);
    expect(await exemptions.innerText()).toContain('image-latest');
    await screenshot(page, 'inspections-exemptions');
    await exemptions.locator('tr', { hasText: reason }).getByRole('button').click();
    await expect.poll(() => exemptions.innerText()).not.toContain(reason);
  });

  it('shows the platform pages, in English and in Chinese', async () => {
    for (const [path, name] of [
      ['/audit', 'audit'],
      ['/users', 'users'],
      ['/roles', 'roles'],
      ['/settings', 'settings'],
      ['/profile', 'profile'],
      ['/inspections', 'inspections'],
      [`/clusters/${CLUSTER}/create`, 'create'],
    ] as const) {
      await page.goto(`${server.url}${path}`);
      await page.locator('.page-title').first().waitFor();
      if (name === 'audit') {
        // Every change made above was audited: the cluster added, the user created, the apply.
        await expect
          .poll(() => page.locator('[data-testid=audit-table]').innerText())
          .toContain('kube.apply');
      }
      await page.waitForTimeout(400);
      await screenshot(page, name);
    }

    await page.click('[data-testid=language-switch]');
    await page.locator('.el-dropdown-menu__item', { hasText: '简体中文' }).click();
    await page.goto(`${server.url}/clusters/${CLUSTER}/explore/core/v1/pods?ns=${ns}`);
    await expect
      .poll(() => page.locator('[data-testid=row-count]').innerText(), { timeout: 30_000 })
      .toBe('共 3 项');
    await screenshot(page, 'explorer-pods-zh-CN');
    // The choice is remembered.
    await page.reload();
    await expect
      .poll(() => page.locator('[data-testid=row-count]').innerText(), { timeout: 30_000 })
      .toBe('共 3 项');

    // The dark theme, chosen from the header like the language.
    await page.click('[data-testid=theme-switch]');
    await page.locator('.el-dropdown-menu__item:visible', { hasText: '深色' }).click();
    await expect.poll(() => page.locator('html.dark').count()).toBe(1);
    await page.waitForTimeout(300);
    await screenshot(page, 'explorer-pods-zh-CN-dark');
    expect(errors).toEqual([]);
  });
});
