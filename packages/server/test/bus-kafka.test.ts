import { randomBytes } from 'node:crypto';
import { Admin } from '@platformatic/kafka';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/free-port.js';
import { KafkaBus, type KafkaBusOptions } from '../src/bus/kafka-bus.js';
import { kafkaConnectionOptions, kafkaServerOf } from '../src/bus/kafka-connection-options.js';
import { openBus } from '../src/bus/open-bus.js';
import type { EventBus } from '../src/core/bus.js';
import { ConfigError, loadConfig, type Config } from '../src/core/config.js';
import { createLogger } from '../src/core/logging.js';
import { busContract, collect, range, until } from './bus/contract.js';
import { SwitchableProxy } from './clusters/switchable-proxy.js';
import { testContext, testEnvironment } from './support/backends.js';

/**
 * The Kafka bus against the real Kafka (KRaft) of the test services
 * (test/services/kafka.sh): the shared bus contract, SASL and TLS as config
 * sets them, and how config chooses the bus. A cuttable replica bootstraps
 * through the broker's PROXIED listener, which advertises the port of a
 * switchable proxy, so the client's every connection goes through it.
 */

const env = (name: string) => {
  const value = process.env[`KUBEOPS_TEST_KAFKA_${name}`];
  if (!value) {
    throw new Error(`KUBEOPS_TEST_KAFKA_${name} is not set (the vitest global setup starts Kafka)`);
  }
  return value;
};

const logger = createLogger('silent');
const run = randomBytes(4).toString('hex');
const topicPrefix = `kubeopstest.${run}.`;
const unusedPort = await freePort();

/** bus.kafka as config reads it, with this run's topic prefix. */
function kafkaConfig(kafka: Record<string, unknown>): Config['bus']['kafka'] {
  return loadConfig({ env: {}, flags: { bus: { kafka: { topicPrefix, ...kafka } } } }).bus.kafka;
}

function busOptions(kafka: Config['bus']['kafka'], extra: Partial<KafkaBusOptions> = {}) {
  return {
    brokers: kafka.brokers,
    clientId: kafka.clientId,
    connection: kafkaConnectionOptions(kafka),
    server: kafkaServerOf(kafka),
    topicPrefix: kafka.topicPrefix,
    consumerGroup: `kubeopstest-${run}`,
    partitions: 4,
    replicationFactor: 0,
    maxAgeSeconds: 3600,
    publishTimeoutMs: 5000,
    // Short, so a replica cut off loses its partitions within the test's patience.
    sessionTimeoutMs: 6000,
    heartbeatIntervalMs: 500,
    ...extra,
  } satisfies KafkaBusOptions;
}

const plain = (extra: Partial<KafkaBusOptions> = {}, brokers = [env('BROKERS')]) =>
  new KafkaBus(busOptions(kafkaConfig({ brokers }), extra), logger);

const proxy = new SwitchableProxy(new URL(`tcp://127.0.0.1:${env('PROXIED_PORT')}`));
await proxy.start(Number(env('PROXY_PORT')));

busContract('Kafka', () => ({
  replica: ({ cuttable = false } = {}) =>
    plain({}, [cuttable ? `127.0.0.1:${env('PROXY_PORT')}` : env('BROKERS')]),
  unreachable: (publishTimeoutMs) => {
    const address = `127.0.0.1:${unusedPort}`;
    return { bus: plain({ publishTimeoutMs }, [address]), address };
  },
  cut: async () => proxy.blackhole(),
  restore: async () => proxy.revive(),
  // A new listener starts where the topic stood when it subscribed: nothing to wait for.
  listenerSettleMs: 0,
  cleanup: async () => {
    await proxy.close();
    const admin = new Admin({ clientId: 'kubeops-test', bootstrapBrokers: [env('BROKERS')] });
    try {
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(topicPrefix));
      if (topics.length > 0) await admin.deleteTopics({ topics });
      const groups = [...(await admin.listGroups()).keys()].filter((g) =>
        g.startsWith(`kubeopstest-${run}.`),
      );
      if (groups.length > 0) await admin.deleteGroups({ groups }).catch(() => undefined);
    } finally {
      await admin.close();
    }
  },
}));

const opened: EventBus[] = [];
const keep = <T extends EventBus>(bus: T): T => {
  opened.push(bus);
  return bus;
};
afterEach(async () => {
  await Promise.all(opened.splice(0).map((bus) => bus.close()));
});

/** A round trip through a bus made from `kafka` config: publish, and a group hears it. */
async function roundTrip(kafka: Record<string, unknown>, subject: string) {
  const config = kafkaConfig(kafka);
  const publisher = keep(new KafkaBus(busOptions(config), logger));
  const subscriber = keep(new KafkaBus(busOptions(config), logger));
  const got = collect(subscriber, subject, 'auth');
  await publisher.publish(subject, { n: 1, key: 'a' }, { key: 'a' });
  await until(`the event over ${kafkaServerOf(config)}`, () => got.seen.length === 1, 30_000);
  expect((await publisher.health()).ok).toBe(true);
}

describe('Kafka event bus: SASL and TLS from config', () => {
  const sasl = (mechanism: string) => ({
    mechanism,
    username: env('USERNAME'),
    password: env('PASSWORD'),
  });

  for (const mechanism of ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']) {
    it(`authenticates with SASL ${mechanism}`, async () => {
      await roundTrip(
        { brokers: [env('SASL_BROKERS')], sasl: sasl(mechanism) },
        `auth.${mechanism.toLowerCase().replace(/-/g, '')}`,
      );
    });
  }

  it('authenticates with SCRAM-SHA-512 over TLS, checking the broker against the configured CA', async () => {
    await roundTrip(
      {
        brokers: [env('SASL_SSL_BROKERS')],
        sasl: sasl('SCRAM-SHA-512'),
        tls: { enabled: true, caFile: env('CA_FILE') },
      },
      'auth.saslssl',
    );
  });

  it('presents the configured client certificate to a broker that requires one', async () => {
    await roundTrip(
      {
        brokers: [env('MTLS_BROKERS')],
        tls: {
          enabled: true,
          caFile: env('CA_FILE'),
          certFile: env('CLIENT_CERT_FILE'),
          keyFile: env('CLIENT_KEY_FILE'),
        },
      },
      'auth.mtls',
    );
  });

  it('reports a wrong SASL password as the bus being unavailable', async () => {
    const bus = keep(
      new KafkaBus(
        busOptions(
          kafkaConfig({
            brokers: [env('SASL_BROKERS')],
            sasl: { ...sasl('SCRAM-SHA-512'), password: 'wrong' },
          }),
          { publishTimeoutMs: 1500 },
        ),
        logger,
      ),
    );
    const health = await bus.health();
    expect(health.ok).toBe(false);
    expect(health.message).toMatch(/Kafka at sasl_plaintext:\/\/.* is unavailable/);
    await expect(bus.publish('auth.wrong', { n: 1 })).rejects.toMatchObject({
      code: 'bus_unavailable',
    });
  });

  it('does not connect to a TLS broker whose certificate the configured CA did not sign', async () => {
    const bus = keep(
      new KafkaBus(
        busOptions(
          kafkaConfig({
            brokers: [env('SASL_SSL_BROKERS')],
            sasl: sasl('PLAIN'),
            tls: { enabled: true },
          }),
        ),
        logger,
      ),
    );
    expect((await bus.health()).ok).toBe(false);
  });
});

describe('Kafka event bus: partitions', () => {
  it('gives all events of one key to one member of a group', async () => {
    const a = keep(plain());
    const b = collect(keep(plain()), 'changes.replicasets', 'owners');
    const c = collect(keep(plain()), 'changes.replicasets', 'owners');
    // Until both members hear something, the group is still sharing out the partitions.
    for (let n = 1000; b.seen.length === 0 || c.seen.length === 0; n++) {
      if (n > 1200) throw new Error('the group never gave both members a partition');
      await a.publish('changes.replicasets', { n, key: `warm-${n}` }, { key: `warm-${n}` });
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 500));
    b.seen.length = 0;
    c.seen.length = 0;
    for (const n of range(1, 60)) {
      const key = `uid-${n % 6}`;
      await a.publish('changes.replicasets', { n, key }, { key });
    }
    await until('all 60', () => b.seen.length + c.seen.length >= 60, 30_000);
    const keysOf = (seen: { key: string }[]) => new Set(seen.map((e) => e.key));
    const onBoth = [...keysOf(b.seen)].filter((key) => keysOf(c.seen).has(key));
    expect(onBoth).toEqual([]);
    expect(b.seen.length + c.seen.length).toBe(60);
  });
});

describe('choosing the Kafka bus from config', () => {
  it('reads the names the Helm chart sets (KUBEOPS_KAFKA_*)', () => {
    const config = loadConfig({
      env: {
        KUBEOPS_KAFKA_BROKERS: 'k1.example.com:9093,k2.example.com:9093',
        KUBEOPS_KAFKA_TOPIC_PREFIX: 'kubeops.',
        KUBEOPS_KAFKA_CONSUMER_GROUP: 'kubeops',
        KUBEOPS_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        KUBEOPS_KAFKA_SASL_USERNAME: 'ops',
        KUBEOPS_KAFKA_SASL_PASSWORD: 's3cret',
        KUBEOPS_KAFKA_TLS: 'true',
        KUBEOPS_KAFKA_TLS_CA_FILE: '/etc/kubeops/tls/kafka/ca.crt',
      },
    });
    expect(config.bus.kafka).toMatchObject({
      brokers: ['k1.example.com:9093', 'k2.example.com:9093'],
      topicPrefix: 'kubeops.',
      consumerGroup: 'kubeops',
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'ops', password: 's3cret' },
      tls: { enabled: true, caFile: '/etc/kubeops/tls/kafka/ca.crt' },
    });
    expect(kafkaServerOf(config.bus.kafka)).toBe(
      'sasl_ssl://k1.example.com:9093,k2.example.com:9093',
    );
  });

  it('names each setting that cannot work', () => {
    let error: unknown;
    try {
      loadConfig({
        env: {
          KUBEOPS_KAFKA_BROKERS: 'kafka.example.com',
          KUBEOPS_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-1',
          KUBEOPS_BUS_KAFKA_TLS_CERT_FILE: '/c.crt',
        },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const keys = (error as ConfigError).problems.map((p) => p.key);
    expect(keys).toEqual(
      expect.arrayContaining(['bus.kafka.brokers.0', 'bus.kafka.sasl.mechanism']),
    );
  });

  it('asks for the password with a SASL mechanism, and for the key with a client certificate', () => {
    let error: unknown;
    try {
      loadConfig({
        env: {
          KUBEOPS_KAFKA_BROKERS: 'kafka:9092',
          KUBEOPS_KAFKA_SASL_MECHANISM: 'PLAIN',
          KUBEOPS_KAFKA_SASL_USERNAME: 'ops',
          KUBEOPS_BUS_KAFKA_TLS_CERT_FILE: '/c.crt',
        },
      });
    } catch (e) {
      error = e;
    }
    expect((error as ConfigError).problems.map((p) => p.key)).toEqual(
      expect.arrayContaining(['bus.kafka.sasl.password', 'bus.kafka.tls.keyFile']),
    );
  });

  it('stops at start, naming the setting, when a TLS file cannot be read', () => {
    const config = loadConfig({
      env: {
        KUBEOPS_KAFKA_BROKERS: 'kafka:9093',
        KUBEOPS_KAFKA_TLS_CA_FILE: '/nonexistent/ca.crt',
      },
    });
    expect(() => openBus(config, logger)).toThrow(/bus\.kafka\.tls\.caFile: cannot read/);
  });

  it('opens the Kafka bus when brokers are set', () => {
    const bus = keep(
      openBus(loadConfig({ env: { KUBEOPS_KAFKA_BROKERS: env('BROKERS') } }), logger),
    );
    expect(bus).toBeInstanceOf(KafkaBus);
  });

  it('reports the bus in /readyz of a process configured for Kafka with SASL', async () => {
    const backend = testEnvironment('postgres');
    const ctx = await testContext(
      backend.config({
        bus: {
          kafka: {
            brokers: [env('SASL_BROKERS')],
            topicPrefix,
            consumerGroup: `kubeopstest-${run}`,
            sasl: {
              mechanism: 'SCRAM-SHA-512',
              username: env('USERNAME'),
              password: env('PASSWORD'),
            },
          },
        },
      }),
      { bootstrap: false },
    );
    try {
      await until(
        'the bus check to pass',
        async () => (await ctx.readiness.run()).checks.bus?.ok === true,
      );
      const result = await ctx.readiness.run();
      expect(result.checks.bus?.message).toMatch(/kafka cluster .*: 1 broker/);
    } finally {
      await ctx.lifecycle.close();
      await backend.cleanup();
    }
  });
});
