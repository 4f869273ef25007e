/**
 * npm run bench:kube [-- --50k]
 *
 * Scale benchmark of the KubeOps resource cache against a dedicated local
 * cluster (kwok, 100 fake nodes): creates 10,000 pods (and 50,000 with
 * --50k or BENCH_50K=1), starts a KubeOps server in its own process, and
 * measures over HTTP
 *   - p50/p95 of a filtered, sorted page of 100 pods from KubeOps, for five
 *     filters asked in turn and for filters asked for the first time (whose
 *     totals the server has not counted before),
 *   - the same question asked of the kube-apiserver directly (a LIST of the
 *     matching pods, sorted by the client, since the API server cannot sort),
 *   - resident memory of the server per cached pod (growth from 5,000 to
 *     10,000 pods, and from 10,000 to 50,000),
 *   - delay from a change at the API server to the WebSocket message with 100
 *     subscribed clients.
 * The last line is the 10k-pod summary. BENCH_CPU_PROF_DIR=<dir> writes a
 * CPU profile of the server there (open it in Chrome DevTools).
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { resolve } from 'node:path';
import WebSocket from 'ws';
import { endpointOf, parseKubeconfig } from '../../packages/server/src/clusters/kubeconfig.js';
import { KubeClient, jsonLines } from '../../packages/server/src/kube/kube-client.js';
import { kb, ms, percentile } from './stats.js';

const repo = resolve(import.meta.dirname, '../..');
const CLUSTER = process.env.KUBEOPS_BENCH_CLUSTER ?? 'kubeops-bench';
const SIZES = [
  10_000,
  ...(process.argv.includes('--50k') || process.env.BENCH_50K === '1' ? [50_000] : []),
];
const NAMESPACES = 10;
const NODES = 100;
const log = (line: string) => console.log(line);
/** The machine's load while measuring: latencies on a shared machine say little without it. */
const load = () => `load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`;

function clusterEnv(): Record<string, string> {
  const env = {
    ...process.env,
    KUBEOPS_TEST_CLUSTER_NAME: CLUSTER,
    KUBEOPS_TEST_NODES: String(NODES),
  };
  const out = execFileSync('bash', [resolve(repo, 'test/cluster/up.sh')], {
    cwd: repo,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const file = out.trim().split('\n').pop()!;
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

async function pool<T>(
  items: T[],
  concurrency: number,
  run: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await run(items[next++]!);
    }),
  );
}

function podBody(i: number) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `pod-${i}`,
      labels: {
        'kubeops.io/bench': 'true',
        app: `app-${i % 50}`,
        tier: ['web', 'api', 'db'][i % 3]!,
        'pod-template-hash': `h${i % 500}`,
      },
      annotations: { 'kubeops.io/owner': `team-${i % 7}` },
    },
    spec: {
      nodeName: `kwok-node-${i % NODES}`,
      containers: [
        {
          name: 'app',
          image: `registry.example.com/team-${i % 7}/app-${i % 50}:1.${i % 10}.0`,
          ports: [{ containerPort: 8080, name: 'http' }],
          env: [
            { name: 'LOG_LEVEL', value: 'info' },
            { name: 'REGION', value: 'eu-1' },
          ],
          resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
          readinessProbe: { httpGet: { path: '/healthz', port: 8080 } },
        },
      ],
    },
  };
}

/** `namespace/name` of every pod in the cluster (all of them are the benchmark's), from metadata-only LIST pages. */
async function existingPods(admin: KubeClient): Promise<Set<string>> {
  const keys = new Set<string>();
  let cont: string | undefined;
  do {
    const page = await admin.request<{
      items: Array<{ metadata: { namespace: string; name: string } }>;
      metadata: { continue?: string };
    }>({
      path: '/api/v1/pods',
      query: { limit: 5000, ...(cont ? { continue: cont } : {}) },
      accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1',
      timeoutMs: 120_000,
    });
    for (const p of page.items) keys.add(`${p.metadata.namespace}/${p.metadata.name}`);
    cont = page.metadata.continue || undefined;
  } while (cont);
  return keys;
}

const podKey = (i: number) => `bench-${i % NAMESPACES}/pod-${i}`;

/** Brings the cluster to exactly pods 0..total-1: a cluster left from a bigger run is trimmed, so each size measures what it says. */
async function ensurePods(admin: KubeClient, total: number): Promise<void> {
  for (let n = 0; n < NAMESPACES; n++) {
    await admin
      .request({
        method: 'POST',
        path: '/api/v1/namespaces',
        body: { metadata: { name: `bench-${n}` } },
      })
      .catch(() => undefined);
  }
  const have = await existingPods(admin);
  const wanted = new Set(Array.from({ length: total }, (_, i) => podKey(i)));
  const extra = [...have].filter((key) => !wanted.has(key));
  if (extra.length > 0) {
    const started = performance.now();
    await pool(extra, 48, async (key) => {
      const [namespace, name] = key.split('/');
      await admin
        .request({
          method: 'DELETE',
          path: `/api/v1/namespaces/${namespace}/pods/${name}`,
          query: { gracePeriodSeconds: 0 },
        })
        .catch((e: { status?: number }) => {
          if (e.status !== 404) throw e;
        });
    });
    log(
      `deleted ${extra.length} pods left from a bigger run in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  }
  const todo = Array.from({ length: total }, (_, i) => i).filter((i) => !have.has(podKey(i)));
  if (todo.length === 0) return;
  const started = performance.now();
  await pool(todo, 48, async (i) => {
    await admin
      .request({
        method: 'POST',
        path: `/api/v1/namespaces/bench-${i % NAMESPACES}/pods`,
        body: podBody(i),
      })
      .catch((e: { status?: number }) => {
        if (e.status !== 409) throw e;
      });
  });
  const seconds = (performance.now() - started) / 1000;
  log(
    `created ${todo.length} pods in ${seconds.toFixed(1)} s (${Math.round(todo.length / seconds)}/s, parallel POSTs of bare Pods bound to nodes)`,
  );
}

interface Server {
  child: ChildProcess;
  database: string;
  url: string;
  token: string;
  memory(): Promise<{ rss: number; heapUsed: number; external: number }>;
  stop(): Promise<void>;
}

/** PostgreSQL from test/services when it can be started there; undefined means the server uses its embedded database. */
function databaseUrl(): string | undefined {
  try {
    const out = execFileSync(
      'bash',
      [resolve(repo, 'test/services/services.sh'), 'up', 'postgres'],
      { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const file = out.trim().split('\n').pop()!;
    return /^DATABASE_URL=(.*)$/m.exec(readFileSync(file, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

function startServer(kubeconfig: string, database: string | undefined): Promise<Server> {
  const child = fork(resolve(import.meta.dirname, 'server.ts'), [], {
    execArgv: [
      '--import',
      'tsx',
      '--expose-gc',
      // A CPU profile of the server for the whole run, to see where a slow figure comes from.
      ...(process.env.BENCH_CPU_PROF_DIR
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`]
        : []),
    ],
    env: {
      ...process.env,
      BENCH_KUBECONFIG_TEXT: kubeconfig,
      NODE_OPTIONS: '',
      ...(database ? { BENCH_DATABASE_URL: database } : {}),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waitFor = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (m: { type: string }) => {
        if (m.type !== type) return;
        child.off('message', onMessage);
        resolve(m as T);
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`KubeOps server exited with ${code}`)));
    });
  return waitFor<{ url: string; token: string; database: string }>('ready').then(
    ({ url, token, database }) => ({
      child,
      database,
      url,
      token,
      memory() {
        const answer = waitFor<{ rss: number; heapUsed: number; external: number }>('memory');
        child.send({ type: 'memory' });
        return answer;
      },
      async stop() {
        child.send({ type: 'stop' });
        await new Promise((r) => child.once('exit', r));
      },
    }),
  );
}

const QUERIES = [
  'labelSelector=app%3Dapp-7&sort=-age',
  'namespace=bench-3&sort=Node',
  'labelSelector=tier%20in%20(web%2Capi)&fieldSelector=Status%3DRunning&sort=name',
  'q=pod-12&sort=-name',
  'labelSelector=app%20notin%20(app-1%2Capp-2)&sort=-Restarts',
];

/** Filters asked for the first time (none of their totals remembered yet), the `n`th of a series that never repeats. */
const FIRST_ASKS = [
  (n: number) => `q=pod-${n}&sort=-age`,
  (n: number) => `fieldSelector=Node%3Dkwok-node-${n % NODES}%2CStatus!%3Dx${n}&sort=name`,
  (n: number) => `labelSelector=app%20notin%20(app-${n % 50})%2Ctier!%3Dt${n}&sort=-Restarts`,
  (n: number) => `labelSelector=pod-template-hash%3Dh${n % 500}%2Ctier!%3Dt${n}&sort=-name`,
];

/**
 * Waits until no pod has changed for `quietMs` (at most five minutes): kwok and
 * the controllers go on updating thousands of new pods for a while after they
 * all report Running, and a figure taken during that churn measures the churn.
 */
async function podsQuiet(admin: KubeClient, quietMs = 5000): Promise<number> {
  const started = performance.now();
  const { metadata } = await admin.request<{ metadata: { resourceVersion: string } }>({
    path: '/api/v1/pods',
    query: { limit: 1 },
  });
  const abort = new AbortController();
  const watch = await admin.open({
    path: '/api/v1/pods',
    query: { watch: 1, resourceVersion: metadata.resourceVersion, allowWatchBookmarks: false },
    timeoutMs: 0,
    signal: abort.signal,
  });
  let lastChange = performance.now();
  void (async () => {
    try {
      for await (const _ of jsonLines(watch)) lastChange = performance.now();
    } catch {
      // aborted once quiet
    }
  })();
  while (performance.now() - lastChange < quietMs && performance.now() - started < 300_000)
    await new Promise((r) => setTimeout(r, 250));
  abort.abort();
  return performance.now() - started;
}

async function timed(run: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

async function kubeopsPage(
  server: Server,
  query: string,
): Promise<{ total: number; items: unknown[] }> {
  const res = await fetch(
    `${server.url}/api/v1/clusters/bench/resources/core/v1/pods?${query}&limit=100`,
    {
      headers: { authorization: `Bearer ${server.token}` },
    },
  );
  if (res.status !== 200) throw new Error(`KubeOps answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as { total: number; items: unknown[] };
}

interface Figures {
  pods: number;
  p50: number;
  p95: number;
  /** Filters asked for the first time: nothing remembered, every match counted. */
  firstP50: number;
  firstP95: number;
  directP50: number;
  directP95: number;
  /**
   * Memory per cached pod: the larger of the RSS growth and the heap+external
   * growth, since either alone can mislead (V8 returns freed pages to the
   * system when it likes, so RSS can even shrink while the cache grows).
   */
  perPod: number;
  wsP50?: number;
  wsP95?: number;
}

async function measureQueries(
  server: Server,
  admin: KubeClient,
  pods: number,
): Promise<Pick<Figures, 'p50' | 'p95' | 'firstP50' | 'firstP95' | 'directP50' | 'directP95'>> {
  for (let i = 0; i < 25; i++) await kubeopsPage(server, QUERIES[i % QUERIES.length]!);
  const samples: number[] = [];
  for (let i = 0; i < 300; i++)
    samples.push(
      await timed(async () => void (await kubeopsPage(server, QUERIES[i % QUERIES.length]!))),
    );
  const first: number[] = [];
  const series = pods * 7 + Math.floor(Math.random() * 1000);
  for (let i = 0; i < 100; i++)
    first.push(
      await timed(
        async () =>
          void (await kubeopsPage(server, FIRST_ASKS[i % FIRST_ASKS.length]!(series + i))),
      ),
    );
  // The API server cannot sort: a client wanting "the newest 100 pods of app-7" lists every match and sorts itself.
  const direct: number[] = [];
  const rounds = pods > 20_000 ? 10 : 20;
  for (let i = 0; i < rounds; i++) {
    direct.push(
      await timed(async () => {
        const list = await admin.request<{
          items: Array<{ metadata: { creationTimestamp: string; name: string } }>;
        }>({
          path: '/api/v1/pods',
          query: { labelSelector: 'app=app-7' },
          timeoutMs: 120_000,
        });
        list.items
          .sort((a, b) => b.metadata.creationTimestamp.localeCompare(a.metadata.creationTimestamp))
          .slice(0, 100);
      }),
    );
  }
  return {
    p50: percentile(samples, 50),
    p95: percentile(samples, 95),
    firstP50: percentile(first, 50),
    firstP95: percentile(first, 95),
    directP50: percentile(direct, 50),
    directP95: percentile(direct, 95),
  };
}

async function measureWebSocket(
  server: Server,
  admin: KubeClient,
): Promise<{
  p50: number;
  p95: number;
  afterAnswerP95: number;
  directP95: number;
  delivered: number;
  expected: number;
}> {
  const CLIENTS = 100;
  const CHANGES = 40;
  const sentAt = new Map<string, number>();
  const answeredAt = new Map<string, number>();
  const delays: number[] = [];
  const afterAnswer: number[] = [];
  const sockets = await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      const socket = new WebSocket(
        `${server.url.replace(/^http/, 'ws')}/api/v1/ws?access_token=${server.token}`,
      );
      await new Promise((r, j) => socket.once('open', r).once('error', j));
      const snapshot = new Promise<void>((resolve) => {
        socket.on('message', (data) => {
          const arrived = performance.now();
          const message = JSON.parse(String(data)) as {
            type: string;
            changes?: Array<{ row: { labels: Record<string, string> } }>;
          };
          if (message.type === 'snapshot') resolve();
          for (const change of message.changes ?? []) {
            const seq = change.row.labels.seq ?? '';
            const at = sentAt.get(seq);
            if (at !== undefined) delays.push(arrived - at);
            const answered = answeredAt.get(seq);
            if (answered !== undefined) afterAnswer.push(arrived - answered);
          }
        });
      });
      socket.send(
        JSON.stringify({
          type: 'subscribe',
          id: `c${c}`,
          cluster: 'bench',
          group: 'core',
          version: 'v1',
          resource: 'pods',
          namespace: 'bench-0',
          sort: '-age',
          limit: 100,
        }),
      );
      await snapshot;
      return socket;
    }),
  );
  // A plain watch straight from the API server on the same pods: what any client could get at best.
  const direct: number[] = [];
  const watchAbort = new AbortController();
  const watch = await admin.open({
    path: '/api/v1/namespaces/bench-0/pods',
    query: { watch: 1, resourceVersion: '0', allowWatchBookmarks: false },
    timeoutMs: 0,
    signal: watchAbort.signal,
  });
  void (async () => {
    try {
      for await (const event of jsonLines<{
        object: { metadata?: { labels?: Record<string, string> } };
      }>(watch)) {
        const at = sentAt.get(event.object.metadata?.labels?.seq ?? '');
        if (at !== undefined) direct.push(performance.now() - at);
      }
    } catch {
      // aborted at the end
    }
  })();
  await new Promise((r) => setTimeout(r, 2000));
  const run = Date.now().toString(36);
  for (let k = 0; k < CHANGES; k++) {
    const seq = `${run}-${k}`;
    sentAt.set(seq, performance.now());
    await admin.request({
      method: 'PATCH',
      path: `/api/v1/namespaces/bench-0/pods/pod-${k * NAMESPACES}`,
      contentType: 'application/merge-patch+json',
      body: { metadata: { labels: { seq } } },
    });
    answeredAt.set(seq, performance.now());
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 1500));
  watchAbort.abort();
  for (const s of sockets) s.close();
  return {
    p50: percentile(delays, 50),
    p95: percentile(delays, 95),
    afterAnswerP95: percentile(afterAnswer, 95),
    directP95: percentile(direct, 95),
    delivered: delays.length,
    expected: CLIENTS * CHANGES,
  };
}

async function main(): Promise<void> {
  const env = clusterEnv();
  const kubeconfig = execFileSync(
    resolve(env.BIN_DIR!, 'kubectl'),
    ['config', 'view', '--raw', '--flatten', '--kubeconfig', env.KUBECONFIG!],
    { encoding: 'utf8' },
  );
  const parsed = parseKubeconfig(kubeconfig);
  const admin = new KubeClient(
    endpointOf(parsed, parsed['current-context']!, CLUSTER),
    {},
    undefined,
    120_000,
  );
  await admin
    .request({
      method: 'POST',
      path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
      body: {
        metadata: { name: 'kubeops-bench-admin' },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: 'cluster-admin',
        },
        subjects: [{ kind: 'User', name: 'kubeops:bench', apiGroup: 'rbac.authorization.k8s.io' }],
      },
    })
    .catch(() => undefined);

  const results: Figures[] = [];
  const database = databaseUrl();
  // Memory per pod is the growth from half the first size to it: the process's own one-off growth
  // (JIT code, the young generation sizing up under the first list) is not a cost per pod.
  const half = SIZES[0]! / 2;
  log(`--- ${half} pods on ${NODES} fake nodes (cluster ${CLUSTER}), the memory baseline ---`);
  await ensurePods(admin, half);
  // One server for every phase: at 50k it has followed the extra pods through its watch.
  const server = await startServer(kubeconfig, database);
  log(
    `KubeOps server: separate process, HTTP on loopback, ${server.database} database, one cluster registered`,
  );
  try {
    // Discovery, RBAC caches and the namespace list first, so the next figure is the pods alone.
    const warm = await fetch(`${server.url}/api/v1/clusters/bench/namespaces`, {
      headers: { authorization: `Bearer ${server.token}` },
    });
    if (warm.status !== 200) throw new Error(`namespaces: ${warm.status} ${await warm.text()}`);
    let previous = await server.memory();
    let previousPods = 0;
    for (const pods of [half, ...SIZES]) {
      if (pods !== half) {
        log(`--- ${pods} pods on ${NODES} fake nodes ---`);
        await ensurePods(admin, pods);
      }
      const fill = await timed(async () => {
        while (
          (await kubeopsPage(server, 'labelSelector=kubeops.io%2Fbench%3Dtrue')).total !== pods
        )
          await new Promise((r) => setTimeout(r, 200));
      });
      // Measure the steady state: kwok moves new pods to Running, an event per pod the server must absorb first.
      const settle = await timed(async () => {
        const deadline = Date.now() + 300_000;
        while (
          (await kubeopsPage(server, 'fieldSelector=Status%21%3DRunning')).total > 0 &&
          Date.now() < deadline
        )
          await new Promise((r) => setTimeout(r, 1000));
      });
      const quiet = await podsQuiet(admin);
      log(
        `all pods Running after another ${(settle / 1000).toFixed(1)} s; no pod changed for 5 s after another ${(quiet / 1000).toFixed(1)} s`,
      );
      const memory = await server.memory();
      const added = pods - previousPods;
      const perPodRss = (memory.rss - previous.rss) / added;
      const perPodHeap =
        (memory.heapUsed + memory.external - previous.heapUsed - previous.external) / added;
      log(
        `cache holds ${pods} pods (${(fill / 1000).toFixed(1)} s after they existed); memory per cached pod for these ${added}` +
          `${pods === half ? ', with the process’s one-off growth' : ''}: ` +
          `${kb(perPodRss)} resident (RSS delta after GC), ${kb(perPodHeap)} heap+external; server RSS ${(memory.rss / 2 ** 20).toFixed(0)} MB`,
      );
      previous = memory;
      previousPods = pods;
      if (pods === half) continue;
      const q = await measureQueries(server, admin, pods);
      log(
        `KubeOps page of 100 (filtered, sorted, over HTTP): p50 ${ms(q.p50)}, p95 ${ms(q.p95)}; ` +
          `a filter asked for the first time: p50 ${ms(q.firstP50)}, p95 ${ms(q.firstP95)} (${load()})`,
      );
      log(
        `direct LIST from kube-apiserver + client sort: p50 ${ms(q.directP50)}, p95 ${ms(q.directP95)} (KubeOps ${(q.directP50 / q.p50).toFixed(0)}x faster at p50)`,
      );
      const figures: Figures = { pods, ...q, perPod: Math.max(perPodRss, perPodHeap) };
      if (pods === SIZES[0]) {
        const ws = await measureWebSocket(server, admin);
        log(
          `change -> WebSocket message, 100 clients, timed from sending the PATCH: p50 ${ms(ws.p50)}, p95 ${ms(ws.p95)}; ` +
            `from the PATCH answer: p95 ${ms(ws.afterAnswerP95)}; a direct watch on the API server: p95 ${ms(ws.directP95)} (${ws.delivered}/${ws.expected} delivered)`,
        );
        figures.wsP50 = ws.p50;
        figures.wsP95 = ws.p95;
      }
      results.push(figures);
    }
  } finally {
    await server.stop();
  }
  admin.close();
  for (const r of results.slice(1)) {
    log(
      `summary ${r.pods} pods: KubeOps page p50 ${ms(r.p50)} p95 ${ms(r.p95)} (bar 60 ms), first ask p95 ${ms(r.firstP95)}; direct LIST p50 ${ms(r.directP50)}; ${kb(r.perPod)} per cached pod`,
    );
  }
  const r = results[0]!;
  log(
    `summary ${r.pods} pods: KubeOps page p50 ${ms(r.p50)} p95 ${r.p95.toFixed(1)} ms (bar 25 ms), first ask p95 ${ms(r.firstP95)}; direct LIST p50 ${ms(r.directP50)} p95 ${ms(r.directP95)}; ` +
      `${kb(r.perPod)} per cached pod (larger of RSS and heap+external growth; bar 4 KB); change-to-client p95 ${ms(r.wsP95 ?? Number.NaN)} (bar 100 ms); ${load()}`,
  );
}

await main();
