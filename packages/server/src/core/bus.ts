import { EventEmitter } from 'node:events';

export type EventHandler = (data: unknown, subject: string) => void | Promise<void>;

export interface SubscribeOptions {
  /**
   * Subscribers sharing a group split the events between them: each event is
   * handled once, by one of them (at least once: an event being handled while
   * the group changes, as a replica joins, leaves or loses its connection, may
   * be handled again by another member, so handlers must be idempotent). A JetStream bus keeps the group's place in
   * the stream while none of them is connected, so nothing published meanwhile
   * is lost. Without a group, every subscriber hears every event published
   * while it listens.
   */
  group?: string;
}

export interface PublishOptions {
  /**
   * Events with the same key (e.g. an object's uid) are handled in the order
   * they were published, also across the members of a group (Kafka keeps a
   * key in one partition). Without a key, a Kafka bus spreads events over
   * partitions. NATS JetStream keeps one order per subject and ignores it.
   */
  key?: string;
}

/**
 * How modules publish and hear events (e.g. CDC changes). In one process the
 * in-process bus is enough; split deployments use NATS JetStream or Kafka
 * behind the same interface (src/bus).
 */
export interface EventBus {
  publish(subject: string, data: unknown, options?: PublishOptions): Promise<void>;
  /**
   * Returns a function that stops the subscription. A handler that throws (or
   * rejects) gets the event again later on a bus that can redeliver.
   */
  subscribe(subject: string, handler: EventHandler, options?: SubscribeOptions): () => void;
  /** Whether the bus can carry events now (for /readyz). */
  health(): Promise<{ ok: boolean; message?: string }>;
  close(): Promise<void>;
}

/** Subject tokens the buses accept: dot-separated, no wildcards or spaces. */
export const SUBJECT_PATTERN = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

export class InProcessBus implements EventBus {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  /** Round-robin position of each group, so grouped handlers share the events. */
  private readonly groups = new Map<string, { handlers: EventHandler[]; next: number }>();

  constructor(
    private readonly onHandlerError: (error: unknown, subject: string) => void = (error, subject) =>
      process.emitWarning(`event handler for ${subject} failed: ${String(error)}`),
  ) {}

  async publish(subject: string, data: unknown): Promise<void> {
    this.emitter.emit(subject, data, subject);
  }

  subscribe(subject: string, handler: EventHandler, options: SubscribeOptions = {}): () => void {
    const call = (data: unknown, s: string) => {
      try {
        void Promise.resolve(handler(data, s)).catch((error: unknown) =>
          this.onHandlerError(error, s),
        );
      } catch (error) {
        this.onHandlerError(error, s);
      }
    };
    if (options.group === undefined) {
      this.emitter.on(subject, call);
      return () => this.emitter.off(subject, call);
    }
    const key = `${options.group}\u0000${subject}`;
    let group = this.groups.get(key);
    if (!group) {
      const created = { handlers: [] as EventHandler[], next: 0 };
      group = created;
      this.groups.set(key, created);
      this.emitter.on(subject, (data: unknown, s: string) => {
        if (created.handlers.length === 0) return;
        const chosen = created.handlers[created.next++ % created.handlers.length]!;
        chosen(data, s);
      });
    }
    group.handlers.push(call);
    return () => {
      const at = group.handlers.indexOf(call);
      if (at >= 0) group.handlers.splice(at, 1);
    };
  }

  async health(): Promise<{ ok: boolean; message?: string }> {
    return { ok: true, message: 'in-process' };
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
    this.groups.clear();
  }
}
