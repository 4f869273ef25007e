import { randomUUID } from 'node:crypto';
import {
  Admin,
  Consumer,
  Producer,
  ProduceAcks,
  stringDeserializer,
  stringSerializer,
  type BaseOptions,
  type ConnectionOptions,
  type Message,
  type MessagesStream,
} from '@platformatic/kafka';
import {
  SUBJECT_PATTERN,
  type EventBus,
  type EventHandler,
  type PublishOptions,
  type SubscribeOptions,
} from '../core/bus.js';
import { KubeOpsError, invalidInput } from '../core/errors.js';
import type { Logger } from '../core/logging.js';
import { backoffMs, sleep } from './backoff.js';

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  /** SASL and TLS (kafka-connection-options.ts). */
  connection: ConnectionOptions;
  /** Where the bus connects, for messages (no credentials). */
  server: string;
  topicPrefix: string;
  consumerGroup: string;
  /** Partitions and replicas of the topics the bus creates (replicas 0: the brokers' default). */
  partitions: number;
  replicationFactor: number;
  maxAgeSeconds: number;
  /** How long publish keeps trying before failing with bus_unavailable. */
  publishTimeoutMs?: number;
  /** Deliveries of an event whose handler keeps failing, before it is skipped (and logged). */
  maxDeliveries?: number;
  /** How long a replica that vanished keeps its partitions before the group gives them to another. */
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
}

type KafkaMessage = Message<string, Buffer, Buffer, Buffer>;
type Stream = MessagesStream<string, Buffer, Buffer, Buffer>;

interface Subscription {
  topic: string;
  /** The subject handlers are given (without the topic prefix). */
  subject: string;
  handler: EventHandler;
  groupId: string;
  /** An ungrouped subscription: its own group, deleted when it stops. */
  listener: boolean;
  /** When subscribe was called: a group without committed offsets starts here. */
  since: number;
  stopped: boolean;
  stop?: () => Promise<void>;
}

const isKafkaError = (error: unknown, id: string): boolean => {
  const e = error as { apiId?: string; findBy?: (p: string, v: unknown) => unknown } | undefined;
  return e?.apiId === id || Boolean(e?.findBy?.('apiId', id));
};

/** Whether the group still gives this consumer the message's partition. */
const owns = (consumer: Consumer<string, Buffer, Buffer, Buffer>, message: KafkaMessage) =>
  consumer.assignments?.some(
    (a) => a.topic === message.topic && a.partitions.includes(message.partition),
  ) ?? true;

/**
 * Commits the offset after a handled message. A commit the group refuses
 * because it is rebalancing is dropped: the partition's next owner reads from
 * the last committed offset, so the message is handled again (at least once)
 * rather than the consumer leaving and rejoining the group over it.
 */
async function commit(message: KafkaMessage): Promise<void> {
  try {
    await message.commit();
  } catch (error) {
    const rejoin = (error as { findBy?: (p: string, v: unknown) => unknown }).findBy?.(
      'needsRejoin',
      true,
    );
    if (!rejoin) throw error;
  }
}

/** Closes a producer or consumer without waiting for what it still has in flight. */
const forceClose = (
  client: Producer<string, Buffer, string, string> | Consumer<string, Buffer, Buffer, Buffer>,
) =>
  new Promise<void>((resolve, reject) =>
    client.close(true, (error) => (error ? reject(error) : resolve())),
  );

/** Rejects after `ms` unless the promise settles first. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The event bus on Apache Kafka. Each subject is a topic
 * (`<topicPrefix><subject>`, created when missing); an event published with a
 * key (e.g. an object's uid) always lands in the same partition, so the events
 * of one key are handled in order, by one member of a group at a time.
 *
 * A grouped subscription is a consumer group (`<consumerGroup>.<group>.<subject>`)
 * that commits each event's offset after its handler ran: a replica that
 * drops its connection or restarts resumes after the last committed event, and
 * a group new to a topic starts where the topic stood when subscribe was called.
 * A handler that fails gets the same event again, after a backoff, before
 * anything later on its partition (order per key is kept), up to maxDeliveries.
 * An ungrouped subscription is a group of its own, so every subscriber hears
 * every event published while it listens.
 *
 * Connections are made lazily and retried with backoff, so a process starts
 * while Kafka is still coming up; /readyz reports the bus until it is reachable.
 */
export class KafkaBus implements EventBus {
  private readonly base: BaseOptions;
  private admin: Admin;
  private producer: Producer<string, Buffer, string, string>;
  private readonly subscriptions = new Set<Subscription>();
  private readonly topics = new Map<string, Promise<void>>();
  private closing = false;
  private lastError: string | undefined;

  constructor(
    private readonly options: KafkaBusOptions,
    private readonly logger: Logger,
  ) {
    this.base = {
      ...options.connection,
      clientId: options.clientId,
      bootstrapBrokers: options.brokers,
      connectTimeout: 3000,
      requestTimeout: 5000,
      timeout: 5000,
      // Each operation retries briefly itself; the bus retries longer around it.
      retries: 1,
      retryDelay: 250,
    };
    this.admin = this.newAdmin();
    this.producer = this.newProducer();
  }

  private newAdmin(): Admin {
    return new Admin(this.base);
  }

  private newProducer(): Producer<string, Buffer, string, string> {
    return new Producer({
      ...this.base,
      serializers: {
        key: stringSerializer,
        headerKey: stringSerializer,
        headerValue: stringSerializer,
      },
    });
  }

  /**
   * Replaces a client after a failed operation. The client keeps a connection
   * whose request timed out, and a broker that vanished without closing it
   * (a host gone, a network path that drops everything) never answers on it
   * again: only new connections find the broker when it is back.
   */
  private renew(which: 'admin' | 'producer'): void {
    if (which === 'admin') {
      const old = this.admin;
      this.admin = this.newAdmin();
      void within(5000, 'close admin', old.close()).catch(() => undefined);
    } else {
      const old = this.producer;
      this.producer = this.newProducer();
      void within(5000, 'close producer', forceClose(old)).catch(() => undefined);
    }
  }

  private topicOf(subject: string): string {
    if (!SUBJECT_PATTERN.test(subject)) {
      throw invalidInput('subject', `"${subject}" is not a bus subject (dot-separated words)`);
    }
    return `${this.options.topicPrefix}${subject}`;
  }

  private unavailable(cause?: unknown): KubeOpsError {
    const reason = (cause as Error | undefined)?.message ?? this.lastError ?? 'not connected';
    return new KubeOpsError(
      'bus_unavailable',
      503,
      `The event bus (Kafka at ${this.options.server}) is unavailable: ${reason}`,
      { cause },
    );
  }

  /** Creates the topic unless it exists (many clusters refuse to create topics on first use). */
  private ensureTopic(topic: string): Promise<void> {
    let made = this.topics.get(topic);
    if (!made) {
      made = this.createTopic(topic);
      this.topics.set(topic, made);
      made.catch(() => this.topics.delete(topic));
    }
    return made;
  }

  private async createTopic(topic: string): Promise<void> {
    const metadata = await this.admin.metadata({ topics: [], forceUpdate: true });
    if (metadata.topics.has(topic)) return;
    try {
      await this.admin.createTopics({
        topics: [topic],
        partitions: this.options.partitions,
        replicas: this.options.replicationFactor || -1,
        configs: [{ name: 'retention.ms', value: String(this.options.maxAgeSeconds * 1000) }],
      });
      this.logger.info({ topic, partitions: this.options.partitions }, 'event bus: topic created');
    } catch (error) {
      if (!isKafkaError(error, 'TOPIC_ALREADY_EXISTS')) throw error;
    }
  }

  async publish(subject: string, data: unknown, options: PublishOptions = {}): Promise<void> {
    const topic = this.topicOf(subject);
    if (this.closing) throw this.unavailable(new Error('the bus is closed'));
    const value = Buffer.from(JSON.stringify(data));
    const deadline = Date.now() + (this.options.publishTimeoutMs ?? 5000);
    for (let attempt = 0; ; attempt++) {
      try {
        const left = Math.max(1, deadline - Date.now());
        await within(left, 'publish', this.ensureTopic(topic));
        await within(
          Math.max(1, deadline - Date.now()),
          'publish',
          this.producer.send({
            messages: [
              { topic, value, ...(options.key === undefined ? {} : { key: options.key }) },
            ],
            acks: ProduceAcks.ALL,
          }),
        );
        this.lastError = undefined;
        return;
      } catch (error) {
        this.lastError = (error as Error).message;
        // The topic may have been deleted since it was made: check again on the next try.
        this.topics.delete(topic);
        if (!this.closing) this.renew('producer');
        const wait = Math.min(backoffMs(attempt) / 2, deadline - Date.now());
        if (this.closing || wait <= 0) throw this.unavailable(error);
        await sleep(wait);
      }
    }
  }

  subscribe(subject: string, handler: EventHandler, options: SubscribeOptions = {}): () => void {
    const topic = this.topicOf(subject);
    if (options.group !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(options.group)) {
      throw invalidInput('group', 'letters, digits, "-" and "_" only');
    }
    const listener = options.group === undefined;
    const subscription: Subscription = {
      topic,
      subject,
      handler,
      groupId: `${this.options.consumerGroup}.${listener ? `listen-${randomUUID()}` : options.group}.${subject}`,
      listener,
      since: Date.now(),
      stopped: false,
    };
    this.subscriptions.add(subscription);
    void this.consume(subscription);
    return () => {
      subscription.stopped = true;
      this.subscriptions.delete(subscription);
      void this.stopSubscription(subscription);
    };
  }

  private async stopSubscription(sub: Subscription): Promise<void> {
    await sub.stop?.().catch(() => undefined);
    if (sub.listener) {
      // A listener's group is of no use to anyone once it stopped.
      await within(3000, 'delete group', this.admin.deleteGroups({ groups: [sub.groupId] })).catch(
        () => undefined,
      );
    }
  }

  /**
   * Gives a group that has never committed on a partition the offset the
   * partition had when subscribe was called, so it neither replays the
   * topic's history nor misses what was published while it was joining.
   */
  private async startNewGroupAtSubscribeTime(sub: Subscription): Promise<void> {
    const metadata = await this.admin.metadata({ topics: [sub.topic] });
    const count = metadata.topics.get(sub.topic)?.partitionsCount ?? 0;
    const [group] = await this.admin.listConsumerGroupOffsets({
      groups: [
        {
          groupId: sub.groupId,
          topics: [{ name: sub.topic, partitionIndexes: [...Array(count).keys()] }],
        },
      ],
    });
    const committed = new Set(
      (group?.topics.find((t) => t.name === sub.topic)?.partitions ?? [])
        .filter((p) => p.committedOffset >= 0n)
        .map((p) => p.partitionIndex),
    );
    const missing = [...Array(count).keys()].filter((p) => !committed.has(p));
    if (missing.length === 0) return;
    const offsetsAt = async (timestamp: bigint) => {
      const [listed] = await this.admin.listOffsets({
        topics: [
          {
            name: sub.topic,
            partitions: missing.map((partitionIndex) => ({ partitionIndex, timestamp })),
          },
        ],
      });
      return new Map((listed?.partitions ?? []).map((p) => [p.partitionIndex, p.offset]));
    };
    // The end first: a partition with nothing at or after `since` starts at the end as it was
    // before the timestamp lookup, so an event arriving in between is not skipped.
    const ends = await offsetsAt(-1n);
    const fromSince = await offsetsAt(BigInt(sub.since));
    const partitionOffsets = missing.map((partition) => {
      const at = fromSince.get(partition) ?? -1n;
      return { partition, offset: at >= 0n ? at : (ends.get(partition) ?? 0n) };
    });
    try {
      await this.admin.alterConsumerGroupOffsets({
        groupId: sub.groupId,
        topics: [{ name: sub.topic, partitionOffsets }],
      });
    } catch (error) {
      // Another replica of the group is already consuming: it set the start.
      if (!isKafkaError(error, 'UNKNOWN_MEMBER_ID') && !isKafkaError(error, 'NON_EMPTY_GROUP')) {
        throw error;
      }
    }
  }

  private async consume(sub: Subscription): Promise<void> {
    for (let attempt = 0; !sub.stopped && !this.closing;) {
      let consumer: Consumer<string, Buffer, Buffer, Buffer> | undefined;
      let failure: unknown;
      try {
        await this.ensureTopic(sub.topic);
        await this.startNewGroupAtSubscribeTime(sub);
        if (sub.stopped || this.closing) return;
        const opened = new Consumer<string, Buffer, Buffer, Buffer>({
          ...this.base,
          groupId: sub.groupId,
          sessionTimeout: this.options.sessionTimeoutMs ?? 10_000,
          heartbeatInterval: this.options.heartbeatIntervalMs ?? 1000,
          autocommit: false,
          maxWaitTime: 500,
          deserializers: { key: stringDeserializer },
        });
        consumer = opened;
        sub.stop = async () => {
          await within(5000, 'close consumer', forceClose(opened)).catch(() => undefined);
        };
        const stream: Stream = await opened.consume({
          topics: [sub.topic],
          mode: 'committed',
          fallbackMode: 'earliest',
          autocommit: false,
        });
        // A lost coordinator shows as failing heartbeats; end the stream so the loop reconnects.
        opened.on('consumer:heartbeat:error', ({ error }) => {
          if (!opened.isActive() || stream.destroyed) return;
          const rejoins = (error as { findBy?: (p: string, v: unknown) => unknown }).findBy?.(
            'needsRejoin',
            true,
          );
          if (!rejoins) stream.destroy(error);
        });
        if (sub.stopped) return;
        this.lastError = undefined;
        attempt = 0;
        for await (const message of stream as AsyncIterable<KafkaMessage>) {
          if (sub.stopped || this.closing) break;
          // Fetched before a rebalance gave its partition to another member, which reads it
          // again from the committed offset: handling it here too would handle it twice.
          if (!owns(opened, message)) continue;
          await this.deliver(sub, message);
        }
      } catch (error) {
        failure = error;
      } finally {
        // Closed before any wait: a consumer left open would keep its partitions unread.
        if (consumer) {
          await within(5000, 'close consumer', forceClose(consumer)).catch(() => undefined);
        }
      }
      if (sub.stopped || this.closing) return;
      const wait = backoffMs(attempt++);
      if (failure !== undefined) {
        this.lastError = (failure as Error).message;
        this.renew('admin');
        this.logger.warn(
          { topic: sub.topic, group: sub.groupId, err: this.lastError, retryInMs: wait },
          'event bus: consumer interrupted',
        );
      }
      await sleep(wait);
    }
  }

  /**
   * Runs the handler until it succeeds (or maxDeliveries), then commits. A
   * subscription stopped meanwhile commits nothing, so whoever takes over the
   * partition gets the event again.
   */
  private async deliver(sub: Subscription, message: KafkaMessage): Promise<void> {
    let data: unknown;
    try {
      data = JSON.parse(message.value.toString('utf8'));
    } catch (error) {
      this.logger.error(
        { topic: sub.topic, offset: String(message.offset), err: (error as Error).message },
        'event bus: event is not JSON; skipped',
      );
      await commit(message);
      return;
    }
    const maxDeliveries = this.options.maxDeliveries ?? 10;
    for (let delivery = 1; ; delivery++) {
      try {
        await sub.handler(data, sub.subject);
        break;
      } catch (error) {
        this.logger.error(
          { subject: sub.subject, delivery, err: error },
          delivery < maxDeliveries
            ? 'event handler failed; retrying'
            : 'event handler failed; event skipped',
        );
        if (delivery >= maxDeliveries) break;
      }
      await sleep(Math.min(60_000, backoffMs(delivery - 1)));
      if (sub.stopped || this.closing) return;
    }
    await commit(message);
  }

  async health(): Promise<{ ok: boolean; message?: string }> {
    if (this.closing)
      return { ok: false, message: this.unavailable(new Error('the bus is closed')).message };
    try {
      const metadata = await within(
        3000,
        'metadata',
        this.admin.metadata({ topics: [], forceUpdate: true }),
      );
      return {
        ok: true,
        message: `kafka cluster ${metadata.id}: ${metadata.brokers.size} broker(s)`,
      };
    } catch (error) {
      this.lastError = (error as Error).message;
      if (!this.closing) this.renew('admin');
      return { ok: false, message: this.unavailable(error).message };
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    const subs = [...this.subscriptions];
    this.subscriptions.clear();
    for (const sub of subs) sub.stopped = true;
    await Promise.all(subs.map((sub) => this.stopSubscription(sub)));
    await within(5000, 'close producer', forceClose(this.producer)).catch(() => undefined);
    await within(5000, 'close admin', this.admin.close()).catch(() => undefined);
  }
}
