import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeCloudEvent } from '@kubeops/contracts';
import { JetStreamBus } from '../../src/bus/jetstream-bus.js';
import { natsConnectionOptions } from '../../src/bus/nats-connection-options.js';
import type { ServerContext } from '../../src/context.js';
import { loadConfig } from '../../src/core/config.js';
import { createLogger } from '../../src/core/logging.js';
import { ChangePublisher, CHANGE_SUBJECT } from '../../src/cdc/change-publisher.js';
import { ChangeRecorder } from '../../src/cdc/change-recorder.js';
import { ChangeWriter } from '../../src/cdc/change-writer.js';
import { testContext, testEnvironment, type TestEnvironment } from '../support/backends.js';

const logger = createLogger('silent');
const run = randomBytes(4).toString('hex');

function jetStream(): JetStreamBus {
  const url = process.env.KUBEOPS_TEST_NATS_URL;
  if (!url)
    throw new Error('KUBEOPS_TEST_NATS_URL is not set (the vitest global setup starts NATS)');
  const nats = loadConfig({ env: {}, flags: { bus: { nats: { url } } } }).bus.nats;
  return new JetStreamBus(
    {
      connection: natsConnectionOptions({ ...nats, url }, 100),
      server: url,
      stream: `KUBEOPS_CDC_${run}`,
      subjectPrefix: `kubeopscdc.${run}`,
      durable: 'history',
      maxAgeSeconds: 3600,
      publishTimeoutMs: 3000,
    },
    logger,
  );
}

/** Stored changes reach a consumer on NATS JetStream as CloudEvents, in order per object, and a group resumes where it was. */
describe('change events on NATS JetStream', () => {
  let env: TestEnvironment;
  let ctx: ServerContext;
  let writer: ChangeWriter;
  let recorder: ChangeRecorder;
  const buses: JetStreamBus[] = [];
  let version = 0;

  const change = (name: string) =>
    recorder.onEvent(
      version === 0 ? 'ADDED' : 'MODIFIED',
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace: 'ns', uid: `uid-${name}`, resourceVersion: String(++version) },
        data: { n: String(version) },
      },
      String(version),
    );

  beforeAll(async () => {
    env = testEnvironment('postgres');
    ctx = await testContext(env.config(), { bootstrap: false });
    writer = new ChangeWriter(ctx.db, logger, { batchSize: 100, flushMilliseconds: 10 });
    recorder = new ChangeRecorder(
      {
        cluster: 'c',
        group: '',
        version: 'v1',
        resource: 'configmaps',
        kind: 'ConfigMap',
        namespaced: true,
      },
      new Map(),
      writer,
      { table: 'changes', snapshotEvery: 20, secrets: undefined },
    );
  });
  afterAll(async () => {
    for (const bus of buses) await bus.close();
    await writer?.close();
    await ctx?.lifecycle.close();
    await env?.cleanup();
  });

  it('delivers every change once to a group, in order, and resumes after the consumer was away', async () => {
    const consumerBus = jetStream();
    const publisherBus = jetStream();
    buses.push(consumerBus, publisherBus);
    const heard: ChangeCloudEvent[] = [];
    const stop = consumerBus.subscribe(
      CHANGE_SUBJECT,
      (e) => void heard.push(e as ChangeCloudEvent),
      {
        group: 'audit-sink',
      },
    );
    const publisher = new ChangePublisher(ctx.db, publisherBus, logger);
    publisher.start();
    for (let i = 0; i < 20; i++) change('a');
    await writer.flush();
    publisher.kick();
    await expect.poll(() => heard.length, { timeout: 15_000 }).toBe(20);
    expect(heard.map((e) => e.data.objectVersion)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    expect(heard.every((e) => e.specversion === '1.0' && e.partitionkey === 'c/uid-a')).toBe(true);

    // The consumer goes away; what is published meanwhile waits in the stream for its group.
    stop();
    for (let i = 0; i < 5; i++) change('a');
    await writer.flush();
    publisher.kick();
    await expect.poll(() => publisher.published, { timeout: 15_000 }).toBe(25);
    const again = jetStream();
    buses.push(again);
    const later: ChangeCloudEvent[] = [];
    again.subscribe(CHANGE_SUBJECT, (e) => void later.push(e as ChangeCloudEvent), {
      group: 'audit-sink',
    });
    await expect.poll(() => later.length, { timeout: 15_000 }).toBe(5);
    expect(later.map((e) => e.data.objectVersion)).toEqual([21, 22, 23, 24, 25]);
    await publisher.stop();
  });
});
