import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appendPodLog,
  createTestNamespace,
  deleteNamespace,
  waitFor,
} from '../../../../test/support/cluster.js';
import { buildApp } from '../../src/http/app.js';
import { bindUser, kubeTestEnv, signIn, type KubeTestEnv } from './support.js';

describe('logs, exec, events and related objects', () => {
  let env: KubeTestEnv;
  let app: FastifyInstance;
  let base: string;
  let namespace: string;
  let auth: { authorization: string };
  let unbind: () => Promise<void>;
  const apply = (manifest: string) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/clusters/local/apply',
      headers: auth,
      payload: { manifest, namespace },
    });
  const get = (url: string) => app.inject({ method: 'GET', url, headers: auth });

  beforeAll(async () => {
    env = await kubeTestEnv();
    app = await buildApp(env.ctx);
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    namespace = await createTestNamespace('observe');
    auth = await signIn(env.ctx, 'operator1');
    unbind = await bindUser('operator1', 'admin', namespace);
    const res = await apply(
      [
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers: [{name: c, image: "nginx:1.27"}]',
        'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]',
      ].join('\n---\n'),
    );
    expect(res.json().ok).toBe(true);
    await waitFor('two running pods', async () => {
      const page = (
        await get(
          `/api/v1/clusters/local/resources/core/v1/pods?namespace=${namespace}&fieldSelector=Status%3DRunning`,
        )
      ).json();
      return page.total === 2;
    });
  });

  afterAll(async () => {
    await unbind?.();
    await deleteNamespace(namespace);
    await app?.close();
    await env?.close();
  });

  const podNames = async () =>
    (
      (await get(`/api/v1/clusters/local/resources/core/v1/pods?namespace=${namespace}`)).json()
        .items as Array<{ name: string }>
    ).map((i) => i.name);

  it('shows a pod log with tail, and a merged log of every pod of a Deployment', async () => {
    const marker = `kubeops-log-${randomBytes(4).toString('hex')}`;
    appendPodLog([`first ${marker}`, `second ${marker}`]);
    const [pod] = await podNames();
    const one = await get(
      `/api/v1/clusters/local/pods/${namespace}/${pod}/log?tailLines=1&download=true`,
    );
    expect(one.statusCode).toBe(200);
    expect(one.headers['content-disposition']).toContain(`${pod}.log`);
    expect(one.body.trim()).toBe(`second ${marker}`);
    const merged = await get(
      `/api/v1/clusters/local/resources/apps/v1/deployments/web/logs?namespace=${namespace}&tailLines=1`,
    );
    const lines = merged.body.trim().split('\n').sort();
    expect(lines).toHaveLength(2);
    for (const name of await podNames()) expect(lines).toContain(`[${name}/c] second ${marker}`);
  });

  it('relates a Deployment to its ReplicaSet and Pods, a Pod to its owners, a Service to its Pods', async () => {
    const deployment = (
      await get(
        `/api/v1/clusters/local/resources/apps/v1/deployments/web/related?namespace=${namespace}`,
      )
    ).json().items as Array<{ relation: string; kind: string }>;
    expect(deployment.filter((r) => r.relation === 'owned').map((r) => r.kind)).toEqual([
      'ReplicaSet',
    ]);
    expect(
      deployment.filter((r) => r.relation === 'owned-by-owned' && r.kind === 'Pod'),
    ).toHaveLength(2);
    const [pod] = await podNames();
    const owners = (
      await get(
        `/api/v1/clusters/local/resources/core/v1/pods/${pod}/related?namespace=${namespace}`,
      )
    ).json().items as Array<{ relation: string; kind: string; name: string }>;
    expect(owners.find((r) => r.relation === 'owner')?.kind).toBe('ReplicaSet');
    expect(owners.find((r) => r.relation === 'owner-of-owner')).toMatchObject({
      kind: 'Deployment',
      name: 'web',
    });
    const service = (
      await get(
        `/api/v1/clusters/local/resources/core/v1/services/web/related?namespace=${namespace}`,
      )
    ).json().items as Array<{ relation: string; kind: string }>;
    expect(service.filter((r) => r.relation === 'selects' && r.kind === 'Pod')).toHaveLength(2);
  });

  it('lists the events of one object', async () => {
    const [pod] = await podNames();
    const events = await waitFor('scheduling events', async () => {
      const items = (
        await get(`/api/v1/clusters/local/events?namespace=${namespace}&kind=Pod&name=${pod}`)
      ).json().items as Array<{ reason: string; involvedObject: { name: string } }>;
      return items.length > 0 && items;
    });
    expect(events.every((e) => e.involvedObject.name === pod)).toBe(true);
    expect(events.map((e) => e.reason)).toContain('Scheduled');
  });

  it('runs a command in a pod over a WebSocket and audits the session', async () => {
    const [pod] = await podNames();
    const token = auth.authorization.slice(7);
    const socket = new WebSocket(
      `${base.replace('http', 'ws')}/api/v1/clusters/local/pods/${namespace}/${pod}/exec?command=echo&command=hello-exec&tty=false&access_token=${token}`,
    );
    const messages: Array<{ type: string; data?: string; exitCode?: number | null }> = [];
    await new Promise<void>((resolve, reject) => {
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { type: string };
        messages.push(message);
        if (message.type === 'error') reject(new Error(JSON.stringify(message)));
        if (message.type === 'exit') resolve();
      });
      socket.on('error', reject);
      socket.on('close', () => resolve());
    });
    expect(
      messages
        .filter((m) => m.type === 'stdout')
        .map((m) => m.data)
        .join(''),
    ).toContain('hello-exec');
    expect(messages.find((m) => m.type === 'exit')?.exitCode).toBe(0);
    await waitFor(
      'the end of the session in the audit log',
      async () => (await env.ctx.audit.query({ action: 'kube.exec.*' })).items.length === 2,
    );
    const audit = await env.ctx.audit.query({ action: 'kube.exec.*' });
    expect(audit.items.map((e) => e.action).sort()).toEqual(['kube.exec.end', 'kube.exec.start']);
    expect(audit.items[0]).toMatchObject({
      actor: 'operator1',
      target: { namespace, kind: 'Pod', name: pod },
    });
  });

  it('runs an interactive shell on a TTY that follows the terminal size, sent before the session is even up', async () => {
    const [pod] = await podNames();
    const token = auth.authorization.slice(7);
    const socket = new WebSocket(
      `${base.replace('http', 'ws')}/api/v1/clusters/local/pods/${namespace}/${pod}/exec?command=sh&tty=true&access_token=${token}`,
    );
    let output = '';
    const exited = new Promise<{ exitCode: number | null }>((resolve, reject) => {
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as {
          type: string;
          data?: string;
          exitCode?: number | null;
        };
        if (message.type === 'stdout') output += message.data;
        if (message.type === 'stderr') reject(new Error('a TTY has no separate stderr'));
        if (message.type === 'error') reject(new Error(JSON.stringify(message)));
        if (message.type === 'exit') resolve({ exitCode: message.exitCode ?? null });
      });
      socket.on('error', reject);
    });
    const send = (message: object) => socket.send(JSON.stringify(message));
    // As a terminal does: its size and the first keys the moment the socket opens.
    await new Promise((resolve) => socket.once('open', resolve));
    send({ type: 'resize', cols: 120, rows: 40 });
    send({ type: 'stdin', data: 'stty size\n' });
    await waitFor('the first size', async () => /^40 120\r?$/m.test(output), 30_000).catch(
      (error: Error) => {
        throw new Error(`${error.message}; the terminal showed ${JSON.stringify(output)}`);
      },
    );
    // The user resizes the window mid-session.
    send({ type: 'resize', cols: 90, rows: 25 });
    send({ type: 'stdin', data: 'stty size; exit\n' });
    expect((await exited).exitCode).toBe(0);
    expect(output).toMatch(/^25 90\r?$/m);
    const sessions = await waitFor('the end of the TTY session in the audit log', async () => {
      const items = (await env.ctx.audit.query({ action: 'kube.exec.*' })).items;
      const start = items.find((e) => (e.details as { command?: string[] }).command?.[0] === 'sh');
      const session = items.filter((e) => e.requestId === start?.requestId);
      return session.length === 2 && session;
    });
    expect(sessions.map((e) => e.action).sort()).toEqual(['kube.exec.end', 'kube.exec.start']);
    expect(sessions.find((e) => e.action === 'kube.exec.start')?.details).toMatchObject({
      tty: true,
    });
    expect(sessions.find((e) => e.action === 'kube.exec.end')?.details).toMatchObject({
      exitCode: 0,
      reason: 'ended',
    });
  });
});
