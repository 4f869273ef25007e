import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
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
import { socketUrl } from '../support/websocket.js';

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
    auth = await signIn(env.ctx, 'operator1', 'developer');
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

  /** A streaming response, read as it arrives. */
  const openStream = async (url: string) => {
    const controller = new AbortController();
    const response = await fetch(`${base}${url}`, { headers: auth, signal: controller.signal });
    expect(response.status).toBe(200);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    return {
      /** Reads until `done` holds for everything received so far. */
      async until(what: string, done: (text: string) => boolean): Promise<string> {
        const timer = setTimeout(() => controller.abort(), 30_000);
        try {
          while (!done(text)) {
            const { value, done: ended } = await reader.read();
            if (ended) throw new Error('the stream ended');
            text += value;
          }
          return text;
        } catch (error) {
          throw new Error(`${what}: ${String(error)}; received ${JSON.stringify(text)}`);
        } finally {
          clearTimeout(timer);
        }
      },
      close: () => controller.abort(),
    };
  };

  it('follows a pod log: lines written after the stream opened arrive', async () => {
    const [pod] = await podNames();
    const marker = `kubeops-follow-${randomBytes(4).toString('hex')}`;
    appendPodLog([`before ${marker}`]);
    const stream = await openStream(
      `/api/v1/clusters/local/pods/${namespace}/${pod}/log?follow=true&tailLines=1`,
    );
    try {
      await stream.until('the last line so far', (t) => t.includes('\n'));
      appendPodLog([`later ${marker}`, `and later ${marker}`]);
      const text = await stream.until('the lines written later', (t) =>
        t.includes(`and later ${marker}\n`),
      );
      expect(text).toContain(`later ${marker}\nand later ${marker}\n`);
    } finally {
      stream.close();
    }
  });

  it('follows the merged log of a Deployment: new lines of every pod arrive, prefixed', async () => {
    const marker = `kubeops-merged-${randomBytes(4).toString('hex')}`;
    const pods = await podNames();
    const stream = await openStream(
      `/api/v1/clusters/local/resources/apps/v1/deployments/web/logs?namespace=${namespace}&follow=true&tailLines=1`,
    );
    try {
      await stream.until('a line of each pod', (t) =>
        pods.every((name) => t.includes(`[${name}/c] `)),
      );
      appendPodLog([`merged ${marker}`]);
      const expected = pods.map((name) => `[${name}/c] merged ${marker}\n`);
      const text = await stream.until('the new line from each pod', (t) =>
        expected.every((line) => t.includes(line)),
      );
      expect(text.split(marker)).toHaveLength(pods.length + 1);
    } finally {
      stream.close();
    }
  });

  it("shows the previous container's log, timestamps, and only lines since a time", async () => {
    const [pod] = await podNames();
    const marker = `kubeops-opts-${randomBytes(4).toString('hex')}`;
    appendPodLog([`crashed ${marker}`], 'pod-previous.log');
    // A line written an hour ago, then one now (CRI format, as the kubelet stores them).
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    appendFileSync(
      join(process.env.KUBEOPS_TEST_FILES_DIR!, 'pod.log'),
      `${hourAgo} stdout F old ${marker}\n`,
    );
    appendPodLog([`new ${marker}`]);
    const log = (query: string) =>
      get(`/api/v1/clusters/local/pods/${namespace}/${pod}/log?${query}`);
    const previous = await log('previous=true');
    expect(previous.statusCode).toBe(200);
    expect(previous.body).toContain(`crashed ${marker}`);
    expect(previous.body).not.toContain(`new ${marker}`);
    const stamped = (await log('timestamps=true&tailLines=2')).body.trim().split('\n');
    expect(stamped).toHaveLength(2);
    expect(stamped[0]).toMatch(new RegExp(`^${hourAgo.slice(0, 19)}\\S* old ${marker}$`));
    expect(stamped[1]).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\S+ new ${marker}$`));
    const recent = (await log('sinceSeconds=600')).body;
    expect(recent).toContain(`new ${marker}`);
    expect(recent).not.toContain(`old ${marker}`);
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
      await socketUrl(
        base,
        `/api/v1/clusters/local/pods/${namespace}/${pod}/exec?command=echo&command=hello-exec&tty=false`,
        token,
      ),
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
      await socketUrl(
        base,
        `/api/v1/clusters/local/pods/${namespace}/${pod}/exec?command=sh&tty=true`,
        token,
      ),
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
    await waitFor('the first size', async () => /(^|# )40 120\r?$/m.test(output), 30_000).catch(
      (error: Error) => {
        throw new Error(`${error.message}; the terminal showed ${JSON.stringify(output)}`);
      },
    );
    // The user resizes the window mid-session.
    send({ type: 'resize', cols: 90, rows: 25 });
    send({ type: 'stdin', data: 'stty size\n' });
    // Exit only once the answer is on screen: kwok's local exec may drop what a shell
    // prints in the instant before it exits, which says nothing about KubeOps.
    await waitFor('the new size', async () => /(^|# )25 90\r?$/m.test(output), 30_000).catch(
      (error: Error) => {
        throw new Error(`${error.message}; the terminal showed ${JSON.stringify(output)}`);
      },
    );
    send({ type: 'stdin', data: 'exit\n' });
    expect((await exited).exitCode).toBe(0);
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
