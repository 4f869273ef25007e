import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { EventBus } from '../../src/core/bus.js';

/**
 * What every event bus between KubeOps processes must do, run against each
 * real broker (bus-nats.test.ts, bus-kafka.test.ts). Several bus instances
 * stand for several replicas; a replica opened `cuttable` reaches the broker
 * through a TCP proxy the test can cut, the way a network failure does.
 */
export interface BusHarness {
  /** A new replica's bus; `cuttable` ones go through the link `cut` breaks. */
  replica(options?: { cuttable?: boolean }): EventBus;
  /** A bus whose broker address has nothing behind it; `address` is what its errors must name. */
  unreachable(publishTimeoutMs: number): { bus: EventBus; address: string };
  cut(): Promise<void>;
  restore(): Promise<void>;
  /** How long an ungrouped subscription needs before it hears what is published. */
  listenerSettleMs: number;
  /** Removes what the run made on the broker (streams, topics, groups). */
  cleanup(): Promise<void>;
}

export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

interface Seen {
  n: number;
  key: string;
}

export function collect(bus: EventBus, subject: string, group?: string) {
  const seen: Seen[] = [];
  const stop = bus.subscribe(
    subject,
    (data) => void seen.push(data as Seen),
    group === undefined ? {} : { group },
  );
  return { seen, numbers: () => seen.map((e) => e.n), stop };
}

const sorted = (ns: number[]) => [...ns].sort((a, b) => a - b);

/** Every key's events in the order they were published. */
function expectOrderedPerKey(seen: Seen[]) {
  const byKey = new Map<string, number[]>();
  for (const { n, key } of seen) byKey.set(key, [...(byKey.get(key) ?? []), n]);
  for (const [key, ns] of byKey) expect(ns, `events of key ${key}`).toEqual(sorted(ns));
}

async function publishAll(bus: EventBus, subject: string, ns: number[], keys = 4) {
  for (const n of ns) {
    const key = `object-${n % keys}`;
    await bus.publish(subject, { n, key }, { key });
  }
}

export function busContract(name: string, harness: () => BusHarness) {
  describe(`${name}: the event bus contract`, () => {
    const opened: EventBus[] = [];
    const replica = (options?: { cuttable?: boolean }) => {
      const bus = harness().replica(options);
      opened.push(bus);
      return bus;
    };

    afterEach(async () => {
      await harness().restore();
      await Promise.all(opened.splice(0).map((bus) => bus.close()));
    });
    afterAll(async () => {
      await harness().cleanup();
    });

    it('shares a group between replicas: each event once, in order per key', async () => {
      const a = replica();
      const onB = collect(replica(), 'changes.pods', 'cdc');
      const onC = collect(replica(), 'changes.pods', 'cdc');
      // While members join, an event may be handled twice (at least once): Kafka moves
      // partitions between them. Once both hear events, the group is settled.
      for (let n = 1000; onB.seen.length === 0 || onC.seen.length === 0; n++) {
        if (n > 1300) throw new Error('the group never gave both members events');
        await a.publish('changes.pods', { n, key: `warm-${n}` }, { key: `warm-${n}` });
        await pause(100);
      }
      await pause(1000);
      onB.seen.length = 0;
      onC.seen.length = 0;
      await publishAll(a, 'changes.pods', range(1, 40));
      await until('all 40 events', () => onB.seen.length + onC.seen.length >= 40);
      await pause(500);
      expect(sorted([...onB.numbers(), ...onC.numbers()])).toEqual(range(1, 40));
      expectOrderedPerKey(onB.seen);
      expectOrderedPerKey(onC.seen);
    });

    it('gives each group every event', async () => {
      const a = replica();
      const audit = collect(replica(), 'changes.secrets', 'audit');
      const cdc = collect(replica(), 'changes.secrets', 'cdc');
      await publishAll(a, 'changes.secrets', range(1, 10));
      await until('both groups saw 10', () => audit.seen.length >= 10 && cdc.seen.length >= 10);
      await pause(300);
      for (const group of [audit, cdc]) {
        expect(sorted(group.numbers())).toEqual(range(1, 10));
        expectOrderedPerKey(group.seen);
      }
    });

    it('keeps the order of one key across many interleaved keys', async () => {
      const a = replica();
      const got = collect(replica(), 'changes.configmaps', 'order');
      await publishAll(a, 'changes.configmaps', range(1, 100), 7);
      await until('all 100', () => got.seen.length >= 100);
      expect(sorted(got.numbers())).toEqual(range(1, 100));
      expectOrderedPerKey(got.seen);
    });

    it('gives every ungrouped subscriber on every replica each event', async () => {
      const a = replica();
      const b = replica();
      await until('both connected', async () => (await a.health()).ok && (await b.health()).ok);
      const onA = collect(a, 'cache.invalidate');
      const onB = collect(b, 'cache.invalidate');
      await pause(harness().listenerSettleMs);
      await publishAll(a, 'cache.invalidate', range(1, 5), 1);
      await until('both saw 5', () => onA.seen.length === 5 && onB.seen.length === 5);
      expect(onA.numbers()).toEqual(range(1, 5));
      expect(onB.numbers()).toEqual(range(1, 5));
    });

    it('loses nothing while a replica is cut off, and repeats nothing it acknowledged', async () => {
      const publisher = replica();
      const subscriber = replica({ cuttable: true });
      const got = collect(subscriber, 'changes.deployments', 'resume');
      await publishAll(publisher, 'changes.deployments', range(1, 5), 1);
      await until('the first 5', () => got.seen.length === 5);

      await harness().cut();
      await until(
        'the bus to report the lost connection',
        async () => !(await subscriber.health()).ok,
      );
      expect((await subscriber.health()).message).toMatch(/event bus .*unavailable/i);
      await publishAll(publisher, 'changes.deployments', range(6, 12), 1);
      await pause(300);
      expect(got.numbers()).toEqual(range(1, 5));

      await harness().restore();
      await until('the events published while away', () => got.seen.length >= 12, 60_000);
      await pause(500);
      expect(got.numbers()).toEqual(range(1, 12));
      expect((await subscriber.health()).ok).toBe(true);
    });

    it('resumes a group after the last acknowledged event when a replica restarts', async () => {
      const publisher = replica();
      const first = replica();
      const before = collect(first, 'changes.nodes', 'restart');
      await publishAll(publisher, 'changes.nodes', range(1, 4), 1);
      await until('the first 4', () => before.seen.length === 4);
      await first.close();

      await publishAll(publisher, 'changes.nodes', range(5, 9), 1);
      const after = collect(replica(), 'changes.nodes', 'restart');
      await until('the 5 published while no replica ran', () => after.seen.length >= 5);
      await pause(500);
      expect(after.numbers()).toEqual(range(5, 9));
    });

    it('redelivers an event whose handler failed', async () => {
      const publisher = replica();
      const bus = replica();
      const attempts: number[] = [];
      bus.subscribe(
        'inspector.run.queued',
        (data) => {
          attempts.push((data as Seen).n);
          if (attempts.length === 1) throw new Error('database briefly unavailable');
        },
        { group: 'retry' },
      );
      await publisher.publish('inspector.run.queued', { n: 1, key: 'run' });
      await until('a second attempt', () => attempts.length === 2, 15_000);
      await pause(300);
      expect(attempts).toEqual([1, 1]);
    });

    it('gives an event no handler finished to the next replica of the group', async () => {
      const publisher = replica();
      const first = replica();
      let tries = 0;
      first.subscribe(
        'inspector.run.claimed',
        () => {
          tries++;
          throw new Error('this replica cannot run inspections');
        },
        { group: 'handover' },
      );
      await publisher.publish('inspector.run.claimed', { n: 1, key: 'run' });
      await until('the first replica to try', () => tries >= 1);
      await first.close();

      const second = collect(replica(), 'inspector.run.claimed', 'handover');
      await until('the second replica to get it', () => second.seen.length >= 1);
      expect(second.numbers()).toEqual([1]);
    });

    it('refuses to publish with a 503 naming the broker when it cannot connect', async () => {
      const { bus, address } = harness().unreachable(500);
      opened.push(bus);
      await expect(bus.publish('x.y', { n: 1 })).rejects.toMatchObject({
        code: 'bus_unavailable',
        status: 503,
        message: expect.stringContaining(address),
      });
      expect(await bus.health()).toMatchObject({ ok: false });
    });
  });
}
