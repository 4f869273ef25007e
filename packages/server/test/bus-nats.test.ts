import { randomBytes } from 'node:crypto';
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { connect } from 'nats';
import { afterEach, describe, expect, it } from 'vitest';
import { JetStreamBus, type JetStreamBusOptions } from '../src/bus/jetstream-bus.js';
import { natsConnectionOptions } from '../src/bus/nats-connection-options.js';
import { openBus } from '../src/bus/open-bus.js';
import type { EventBus } from '../src/core/bus.js';
import { ConfigError, loadConfig } from '../src/core/config.js';
import { createLogger } from '../src/core/logging.js';
import { freePort } from '../../../test/support/free-port.js';
import { busContract, collect, range, until } from './bus/contract.js';
import { testContext, testEnvironment } from './support/backends.js';

/**
 * The JetStream bus against the real NATS server of the test services: the
 * shared bus contract (test/bus/contract.ts), what is particular to JetStream,
 * and how config chooses and sets up the bus.
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
const unusedPort = await freePort();

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
    if (this.server) return;
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

afterEach(async () => {
  await Promise.all(opened.splice(0).map((bus) => bus.close()));
});

async function deleteStream() {
  const nc = await connect({ servers: new URL(natsUrl()).host });
  await (await nc.jetstreamManager()).streams.delete(stream).catch(() => undefined);
  await nc.close();
}

// The cut link is refused outright (the client's own reconnect finds the relay
// again on the same port); a cuttable replica is made once the relay listens.
const relay = new Relay(new URL(natsUrl()));
await relay.start();

busContract('NATS JetStream', () => ({
  replica: ({ cuttable = false } = {}) =>
    new JetStreamBus(busOptions(cuttable ? relay.url : natsUrl()), logger),
  unreachable: (publishTimeoutMs) => {
    // A port that was just free: nothing listens there.
    const url = `nats://127.0.0.1:${unusedPort}`;
    return { bus: new JetStreamBus(busOptions(url, { publishTimeoutMs }), logger), address: url };
  },
  cut: () => relay.cut(),
  restore: () => relay.start(),
  // A plain subscription hears only what is published after the server has seen it.
  listenerSettleMs: 500,
  cleanup: async () => {
    await relay.cut();
    await deleteStream();
  },
}));

describe('NATS JetStream event bus', () => {
  it('makes the stream and its consumers again when NATS lost them', async () => {
    const publisher = replica();
    const bus = replica();
    const got = collect(bus, 'changes.services', 'restore');
    for (const n of range(1, 3)) await publisher.publish('changes.services', { n });
    await until('the first 3', () => got.seen.length === 3);

    await deleteStream();

    for (const n of range(4, 6)) await publisher.publish('changes.services', { n });
    await until('the events after the loss', () => got.seen.length >= 6, 20_000);
    expect(got.numbers()).toEqual(range(1, 6));
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

  it('stops with a clear error when both NATS and Kafka are asked for', () => {
    let error: unknown;
    try {
      loadConfig({
        env: { KUBEOPS_NATS_URL: 'nats://nats:4222', KUBEOPS_KAFKA_BROKERS: 'kafka-1:9092' },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toContainEqual({
      key: 'bus.kafka.brokers',
      message: expect.stringContaining('one event bus'),
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
