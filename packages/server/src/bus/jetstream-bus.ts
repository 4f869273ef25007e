import {
  AckPolicy,
  DeliverPolicy,
  ErrorCode,
  JSONCodec,
  RetentionPolicy,
  StorageType,
  connect,
  nanos,
  type ConnectionOptions,
  type ConsumerConfig,
  type ConsumerMessages,
  type JsMsg,
  type NatsConnection,
  type NatsError,
} from 'nats';
import {
  SUBJECT_PATTERN,
  type EventBus,
  type EventHandler,
  type SubscribeOptions,
} from '../core/bus.js';
import { KubeOpsError, invalidInput } from '../core/errors.js';
import type { Logger } from '../core/logging.js';
import { backoffMs, sleep } from './backoff.js';

export interface JetStreamBusOptions {
  connection: ConnectionOptions;
  /** Where the bus connects, for messages (no credentials). */
  server: string;
  stream: string;
  subjectPrefix: string;
  durable: string;
  maxAgeSeconds: number;
  /** How long publish waits for a connection before failing with bus_unavailable. */
  publishTimeoutMs?: number;
  /** Redeliveries of an event whose handler keeps failing, before it is dropped (and logged). */
  maxDeliveries?: number;
}

const STREAM_NOT_FOUND = 10059;
const CONSUMER_NOT_FOUND = 10014;
const apiCode = (error: unknown) => (error as NatsError | undefined)?.api_error?.err_code;

const codec = JSONCodec();

/** One-shot signal that can be re-armed: waiters get the current connection once there is one. */
class ConnectionSlot {
  private current: NatsConnection | undefined;
  private waiters: Array<(nc: NatsConnection) => void> = [];

  get value(): NatsConnection | undefined {
    return this.current;
  }

  set(nc: NatsConnection | undefined): void {
    this.current = nc;
    if (!nc) return;
    for (const wake of this.waiters.splice(0)) wake(nc);
  }

  wait(): Promise<NatsConnection> {
    return this.current
      ? Promise.resolve(this.current)
      : new Promise((resolve) => this.waiters.push(resolve));
  }
}

interface Subscription {
  subject: string;
  handler: EventHandler;
  group: string | undefined;
  /** When subscribe was called: a group's new consumer starts here, so nothing published since is missed. */
  since: Date;
  stopped: boolean;
  stop?: () => void;
}

/**
 * The event bus on NATS JetStream. Events go into one stream
 * (`<subjectPrefix>.>`); a grouped subscription reads through a durable pull
 * consumer and acknowledges each event after its handler ran, so a replica
 * that drops its connection or restarts resumes after the last acknowledged
 * event. Ungrouped subscriptions are plain NATS subscriptions that hear what
 * is published while they listen.
 *
 * The connection is made in the background with backoff, so a process starts
 * while NATS is still coming up; /readyz reports the bus until it is reachable.
 */
export class JetStreamBus implements EventBus {
  private readonly slot = new ConnectionSlot();
  private readonly subscriptions = new Set<Subscription>();
  private closing = false;
  private readonly connecting: Promise<void>;
  private lastError: string | undefined;

  constructor(
    private readonly options: JetStreamBusOptions,
    private readonly logger: Logger,
  ) {
    this.connecting = this.keepConnected();
  }

  private subjectOf(subject: string): string {
    if (!SUBJECT_PATTERN.test(subject)) {
      throw invalidInput('subject', `"${subject}" is not a bus subject (dot-separated words)`);
    }
    return `${this.options.subjectPrefix}.${subject}`;
  }

  private async keepConnected(): Promise<void> {
    for (let attempt = 0; !this.closing; attempt++) {
      let nc: NatsConnection | undefined;
      try {
        nc = await connect(this.options.connection);
        await this.ensureStream(nc);
      } catch (error) {
        await nc?.close().catch(() => undefined);
        this.lastError = (error as Error).message;
        const wait = backoffMs(attempt);
        this.logger.warn(
          { server: this.options.server, err: this.lastError, retryInMs: wait },
          'event bus: cannot reach NATS JetStream',
        );
        await sleep(wait);
        continue;
      }
      if (this.closing) {
        await nc.close().catch(() => undefined);
        return;
      }
      attempt = 0;
      this.lastError = undefined;
      this.logger.info(
        { server: this.options.server, stream: this.options.stream },
        'event bus connected',
      );
      void this.logStatus(nc);
      this.slot.set(nc);
      const closed = await nc.closed();
      this.slot.set(undefined);
      if (this.closing) return;
      this.lastError = closed?.message ?? 'connection closed';
      this.logger.warn(
        { server: this.options.server, err: this.lastError },
        'event bus connection closed; reconnecting',
      );
    }
  }

  private async logStatus(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') {
        this.lastError = `disconnected from ${this.options.server}`;
        this.logger.warn({ server: this.options.server }, 'event bus disconnected');
      } else if (status.type === 'reconnect') {
        this.lastError = undefined;
        this.logger.info({ server: this.options.server }, 'event bus reconnected');
        // A NATS that came back without its storage has no stream until someone makes it.
        void this.ensureStream(nc).catch((error: unknown) =>
          this.logger.warn({ err: (error as Error).message }, 'event bus: cannot restore stream'),
        );
      }
    }
  }

  private async ensureStream(nc: NatsConnection): Promise<void> {
    const jsm = await nc.jetstreamManager();
    try {
      await jsm.streams.info(this.options.stream);
    } catch (error) {
      if (apiCode(error) !== STREAM_NOT_FOUND) throw error;
      await jsm.streams.add({
        name: this.options.stream,
        subjects: [`${this.options.subjectPrefix}.>`],
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        max_age: nanos(this.options.maxAgeSeconds * 1000),
      });
    }
  }

  private async connection(timeoutMs: number): Promise<NatsConnection> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.slot.wait(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(this.unavailable()), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private unavailable(cause?: unknown): KubeOpsError {
    const reason = (cause as Error | undefined)?.message ?? this.lastError ?? 'not connected';
    return new KubeOpsError(
      'bus_unavailable',
      503,
      `The event bus (NATS at ${this.options.server}) is unavailable: ${reason}`,
      { cause },
    );
  }

  async publish(subject: string, data: unknown): Promise<void> {
    const full = this.subjectOf(subject);
    if (this.closing) throw this.unavailable(new Error('the bus is closed'));
    const timeout = this.options.publishTimeoutMs ?? 5000;
    const nc = await this.connection(timeout);
    const send = () => nc.jetstream().publish(full, codec.encode(data), { timeout });
    try {
      await send();
    } catch (error) {
      // No stream answers for the subject (it was deleted, or NATS lost its storage): make it again once.
      if ((error as NatsError).code !== ErrorCode.NoResponders) throw this.unavailable(error);
      try {
        await this.ensureStream(nc);
        await send();
      } catch (retryError) {
        throw this.unavailable(retryError);
      }
    }
  }

  subscribe(subject: string, handler: EventHandler, options: SubscribeOptions = {}): () => void {
    const full = this.subjectOf(subject);
    if (options.group !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(options.group)) {
      throw invalidInput('group', 'letters, digits, "-" and "_" only');
    }
    const subscription: Subscription = {
      subject: full,
      handler,
      group: options.group,
      since: new Date(),
      stopped: false,
    };
    this.subscriptions.add(subscription);
    void (options.group === undefined
      ? this.listen(subscription)
      : this.consume(subscription, options.group));
    return () => {
      subscription.stopped = true;
      subscription.stop?.();
      this.subscriptions.delete(subscription);
    };
  }

  /** Plain subscription, re-made on every new connection (nats.js keeps it across reconnects). */
  private async listen(sub: Subscription): Promise<void> {
    while (!sub.stopped && !this.closing) {
      const nc = await this.slot.wait();
      if (sub.stopped || this.closing) return;
      const plain = nc.subscribe(sub.subject, {
        callback: (error, msg) => {
          if (error) return;
          void this.run(sub, msg.subject, () => codec.decode(msg.data)).catch(() => undefined);
        },
      });
      sub.stop = () => plain.unsubscribe();
      await nc.closed();
    }
  }

  /** Durable consumer name of a group's subscription to a subject. */
  consumerName(subject: string, group: string): string {
    const tail = subject
      .slice(this.options.subjectPrefix.length + 1)
      .replace(/\./g, '_')
      .slice(0, 120);
    return `${this.options.durable}-${group}-${tail}`;
  }

  private async ensureConsumer(nc: NatsConnection, sub: Subscription, group: string) {
    const name = this.consumerName(sub.subject, group);
    const jsm = await nc.jetstreamManager();
    try {
      await jsm.consumers.info(this.options.stream, name);
    } catch (error) {
      if (apiCode(error) === STREAM_NOT_FOUND) await this.ensureStream(nc);
      else if (apiCode(error) !== CONSUMER_NOT_FOUND) throw error;
      const config: Partial<ConsumerConfig> = {
        durable_name: name,
        filter_subject: sub.subject,
        ack_policy: AckPolicy.Explicit,
        ack_wait: nanos(30_000),
        max_deliver: this.options.maxDeliveries ?? 10,
        deliver_policy: DeliverPolicy.StartTime,
        opt_start_time: sub.since.toISOString(),
      };
      await jsm.consumers.add(this.options.stream, config).catch(async (addError: unknown) => {
        // Another replica created it first; use theirs.
        await jsm.consumers.info(this.options.stream, name).catch(() => {
          throw addError;
        });
      });
    }
    return nc.jetstream().consumers.get(this.options.stream, name);
  }

  private async consume(sub: Subscription, group: string): Promise<void> {
    for (let attempt = 0; !sub.stopped && !this.closing;) {
      const nc = await this.slot.wait();
      if (sub.stopped || this.closing) return;
      let messages: ConsumerMessages | undefined;
      try {
        const consumer = await this.ensureConsumer(nc, sub, group);
        // Missing stream or consumer ends the messages, so the loop above makes them again.
        // Short pulls: a deleted stream or consumer is noticed on the next pull, within
        // seconds, rather than after the default 30 s pull expiry.
        messages = await consumer.consume({
          max_messages: 64,
          expires: 5_000,
          abort_on_missing_resource: true,
        });
        const current = messages;
        sub.stop = () => void current.close().catch(() => undefined);
        if (sub.stopped) current.stop();
        attempt = 0;
        for await (const msg of messages) await this.deliver(sub, msg);
        // The messages ended without a stop: the connection went, or the consumer did.
        if (!sub.stopped && !this.closing) await sleep(backoffMs(attempt++));
      } catch (error) {
        if (sub.stopped || this.closing) return;
        const wait = backoffMs(attempt++);
        this.logger.warn(
          { subject: sub.subject, group, err: (error as Error).message, retryInMs: wait },
          'event bus: consumer interrupted',
        );
        await sleep(wait);
      }
    }
  }

  private async deliver(sub: Subscription, msg: JsMsg): Promise<void> {
    const handled = await this.run(sub, msg.subject, () => msg.json<unknown>());
    if (handled === 'failed') {
      msg.nak(Math.min(60_000, 1000 * 2 ** Math.min(msg.info.redeliveryCount, 6)));
      return;
    }
    if (handled === 'undecodable') {
      msg.term('not JSON');
      return;
    }
    // Wait for the server to record the ack: a replica that restarts resumes right after it.
    await msg.ackAck().catch(() => msg.ack());
  }

  private async run(
    sub: Subscription,
    subject: string,
    decode: () => unknown,
  ): Promise<'ok' | 'failed' | 'undecodable'> {
    let data: unknown;
    try {
      data = decode();
    } catch (error) {
      this.logger.error({ subject, err: (error as Error).message }, 'event bus: event is not JSON');
      return 'undecodable';
    }
    const local = subject.slice(this.options.subjectPrefix.length + 1);
    try {
      await sub.handler(data, local);
      return 'ok';
    } catch (error) {
      this.logger.error({ subject: local, err: error }, 'event handler failed');
      return 'failed';
    }
  }

  async health(): Promise<{ ok: boolean; message?: string }> {
    const nc = this.slot.value;
    if (!nc || nc.isClosed()) {
      return { ok: false, message: this.unavailable().message };
    }
    try {
      const jsm = await nc.jetstreamManager({ timeout: 2000 });
      const info = await jsm.streams.info(this.options.stream);
      return { ok: true, message: `stream ${info.config.name}: ${info.state.messages} events` };
    } catch (error) {
      return { ok: false, message: this.unavailable(error).message };
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const sub of this.subscriptions) {
      sub.stopped = true;
      sub.stop?.();
    }
    this.subscriptions.clear();
    const nc = this.slot.value;
    this.slot.set(undefined);
    if (nc) await nc.drain().catch(() => nc.close());
    await Promise.race([this.connecting, sleep(100)]);
  }
}
