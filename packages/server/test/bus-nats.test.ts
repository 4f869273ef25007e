import { randomBytes } from 'node:crypto';
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { connect } from 'nats';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { JetStreamBus, type JetStreamBusOptions } from '../src/bus/jetstream-bus.js';
import { natsConnectionOptions } from '../src/bus/nats-connection-options.js';
import { openBus } from '../src/bus/open-bus.js';
import type { EventBus } from '../src/core/bus.js';
import { ConfigError, loadConfig } from '../src/core/config.js';
import { createLogger } from '../src/core/logging.js';
import { testContext, testEnvironment } from './support/backends.js';

/**
 * The JetStream bus against the real NATS server of the test services: two
 * bus instances stand for two KubeOps replicas; a TCP relay in front of one of
 * them cuts its connection the way a network failure or a NATS restart does.
 */

const natsUrl = () => {
  const url = process.env.KUBEOPS_TEST_NATS_URL;
  if (!url)
    throw new Error('KUBEOPS_TEST_NATS_URL is not set (the vitest global setup starts NATS)');
  return url;
};

const logger = createLogger('silent');
/** A stream and subject space of this test file, so runs never see each other's events. */
const run = randomBytes(4).toString('hex');
const stream = `KUBEOPS_TEST_${run}`;
const subjectPrefix = `kubeopstest.${run}`;

function busOptions(url: string, extra: Partial<JetStreamBusOptions> = {}): JetStreamBusOptions {
  const nats = loadConfig({ env: {}, flags: { bus: { nats: { url } } } }).bus.nats;
  return {
    connection: natsConnectionOptions({ ...nats, url }, 100),
    server: url,
    stream,
    subjectPrefix,
    durable: 'replicas',
    maxAgeSeconds: 3600,
    publishTimeoutMs: 3000,
    ...extra,
  };
}

const opened: EventBus[] = [];
function replica(url = natsUrl(), extra: Partial<JetStreamBusOptions> = {}): JetStreamBus {
  const bus = new JetStreamBus(busOptions(url, extra), logger);
  opened.push(bus);
  return bus;
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A loopback TCP relay to NATS that can drop every connection and refuse new ones. */
class Relay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: URL) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = createServer((client) => {
      const upstream = tcpConnect(Number(this.target.port), this.target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const collect = (bus: EventBus, subject: string, group?: string) => {
  const seen: number[] = [];
  const stop = bus.subscribe(
    subject,
    (data) => void seen.push((data as { n: number }).n),
    group === undefined ? {} : { group },
  );
  return { seen, stop };
};

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

afterEach(async () => {
  await Promise.all(opened.splice(0).map((bus) => bus.close()));
});

afterAll(async () => {
  const nc = await connect({ servers: new URL(natsUrl()).host });
  const jsm = await nc.jetstreamManager();
  await jsm.streams.delete(stream).catch(() => undefined);
  await nc.close();
});

describe('NATS JetStream event bus', () => {
  it('carries events from one replica to a group on another, in order, once each', async () => {
    const a = replica();
    const b = replica();
    const c = replica();
    const onB = collect(b, 'changes.pods', 'cdc');
    const onC = collect(c, 'changes.pods', 'cdc');
    for (const n of range(1, 20)) await a.publish('changes.pods', { n });
    await until('all 20 events', () => onB.seen.length + onC.seen.length >= 20);
    await new Promise((r) => setTimeout(r, 300));
    // The group shares the events: together B and C saw each exactly once.
    expect([...onB.seen, ...onC.seen].sort((x, y) => x - y)).toEqual(range(1, 20));
    expect(onB.seen).toEqual([...onB.seen].sort((x, y) => x - y));
  });

  it('gives every ungrouped subscriber on every replica each event', async () => {
    const a = replica();
    const b = replica();
    await until('both connected', async () => (await a.health()).ok && (await b.health()).ok);
    const onA = collect(a, 'cache.invalidate');
    const onB = collect(b, 'cache.invalidate');
    // A plain subscription hears only what is published after the server has seen it.
    await new Promise((r) => setTimeout(r, 500));
    for (const n of range(1, 5)) await a.publish('cache.invalidate', { n });
    await until('both saw 5', () => onA.seen.length === 5 && onB.seen.length === 5);
    expect(onA.seen).toEqual(range(1, 5));
    expect(onB.seen).toEqual(range(1, 5));
  });

  it('loses nothing while a replica is cut off, and repeats nothing it acknowledged', async () => {
    const relay = new Relay(new URL(natsUrl()));
    await relay.start();
    const publisher = replica();
    const subscriber = replica(relay.url);
    const got = collect(subscriber, 'changes.deployments', 'resume');
    for (const n of range(1, 5)) await publisher.publish('changes.deployments', { n });
    await until('the first 5', () => got.seen.length === 5);

    await relay.cut();
    await until(
      'the bus to report the lost connection',
      async () => !(await subscriber.health()).ok,
    );
    const whileAway = await subscriber.health();
    expect(whileAway.message).toMatch(/event bus .*unavailable/i);
    for (const n of range(6, 12)) await publisher.publish('changes.deployments', { n });
    await new Promise((r) => setTimeout(r, 300));
    expect(got.seen).toEqual(range(1, 5));

    await relay.start(); // same port: the client's own reconnect finds it
    await until('the events published while away', () => got.seen.length >= 12, 20_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(got.seen).toEqual(range(1, 12));
    expect((await subscriber.health()).ok).toBe(true);
    await relay.cut();
  });

  it('resumes a group after the last acknowledged event when a replica restarts', async () => {
    const publisher = replica();
    const first = replica();
    const before = collect(first, 'changes.nodes', 'restart');
    for (const n of range(1, 4)) await publisher.publish('changes.nodes', { n });
    await until('the first 4', () => before.seen.length === 4);
    await first.close();

    for (const n of range(5, 9)) await publisher.publish('changes.nodes', { n });
    const second = replica();
    const after = collect(second, 'changes.nodes', 'restart');
    await until('the 5 published while no replica ran', () => after.seen.length >= 5);
    await new Promise((r) => setTimeout(r, 300));
    expect(after.seen).toEqual(range(5, 9));
  });

  it('makes the stream and its consumers again when NATS lost them', async () => {
    const publisher = replica();
    const bus = replica();
    const got = collect(bus, 'changes.services', 'restore');
    for (const n of range(1, 3)) await publisher.publish('changes.services', { n });
    await until('the first 3', () => got.seen.length === 3);

    const nc = await connect({ servers: new URL(natsUrl()).host });
    await (await nc.jetstreamManager()).streams.delete(stream);
    await nc.close();

    for (const n of range(4, 6)) await publisher.publish('changes.services', { n });
    await until('the events after the loss', () => got.seen.length >= 6, 20_000);
    expect(got.seen).toEqual(range(1, 6));
  });

  it('redelivers an event whose handler failed', async () => {
    const publisher = replica();
    const bus = replica();
    const attempts: number[] = [];
    bus.subscribe(
      'inspector.run.queued',
      (data) => {
        attempts.push((data as { n: number }).n);
        if (attempts.length === 1) throw new Error('database briefly unavailable');
      },
      { group: 'retry' },
    );
    await publisher.publish('inspector.run.queued', { n: 1 });
    await until('a second attempt', () => attempts.length === 2, 10_000);
    expect(attempts).toEqual([1, 1]);
  });

  it('refuses to publish with a 503 naming NATS when it cannot connect', async () => {
    const nowhere = new Relay(new URL(natsUrl()));
    await nowhere.start();
    const url = nowhere.url;
    await nowhere.cut();
    const bus = replica(url, { publishTimeoutMs: 300 });
    await expect(bus.publish('x.y', { n: 1 })).rejects.toMatchObject({
      code: 'bus_unavailable',
      status: 503,
      message: expect.stringContaining(url),
    });
    expect(await bus.health()).toMatchObject({ ok: false });
  });
});

describe('choosing the bus from config', () => {
  it('uses the in-process bus when no bus is configured', async () => {
    const config = loadConfig({ env: {} });
    const bus = openBus(config, logger);
    opened.push(bus);
    expect(bus.constructor.name).toBe('InProcessBus');
    const seen: unknown[] = [];
    bus.subscribe('a.b', (data) => void seen.push(data));
    await bus.publish('a.b', { n: 1 });
    expect(seen).toEqual([{ n: 1 }]);
  });

  it('reads the NATS URL, stream and durable name from KUBEOPS_NATS_URL and KUBEOPS_BUS_NATS_*', () => {
    const config = loadConfig({
      env: {
        KUBEOPS_NATS_URL: 'tls://kubeops:s3cret@nats.example:4222',
        KUBEOPS_BUS_NATS_STREAM: 'EVENTS',
        KUBEOPS_BUS_NATS_DURABLE: 'api',
      },
    });
    expect(config.bus.nats).toMatchObject({
      url: 'tls://kubeops:s3cret@nats.example:4222',
      stream: 'EVENTS',
      durable: 'api',
    });
    const options = natsConnectionOptions({ ...config.bus.nats, url: config.bus.nats.url! }, 1000);
    expect(options).toMatchObject({
      servers: 'nats.example:4222',
      user: 'kubeops',
      pass: 's3cret',
      tls: {},
      maxReconnectAttempts: -1,
    });
  });

  it('stops with a clear error when Kafka is asked for', () => {
    let error: unknown;
    try {
      loadConfig({ env: { KUBEOPS_KAFKA_BROKERS: 'kafka-1:9092,kafka-2:9092' } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toContainEqual({
      key: 'bus.kafka.brokers',
      message: expect.stringContaining('kafka bus not available in this build'),
    });
  });

  it('rejects a stream name NATS would refuse, naming the key', () => {
    expect(() => loadConfig({ env: { KUBEOPS_BUS_NATS_STREAM: 'kube.ops' } })).toThrow(
      /bus\.nats\.stream/,
    );
  });

  it('reports the bus in /readyz of a process configured for NATS', async () => {
    const env = testEnvironment('postgres');
    const ctx = await testContext(
      env.config({ bus: { nats: { url: natsUrl(), stream, subjectPrefix, durable: 'ready' } } }),
      { bootstrap: false },
    );
    try {
      await until(
        'the bus check to pass',
        async () => (await ctx.readiness.run()).checks.bus?.ok === true,
      );
      const result = await ctx.readiness.run();
      expect(result.checks.bus?.message).toContain(`stream ${stream}`);
    } finally {
      await ctx.lifecycle.close();
      await env.cleanup();
    }
  });
});
