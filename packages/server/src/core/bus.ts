import { EventEmitter } from 'node:events';

/**
 * How modules publish and hear events (e.g. CDC changes). In one process the
 * in-process bus is enough; split deployments plug in NATS JetStream or Kafka
 * behind the same interface.
 */
export interface EventBus {
  publish(subject: string, data: unknown): Promise<void>;
  /** Returns a function that stops the subscription. */
  subscribe(subject: string, handler: (data: unknown, subject: string) => void): () => void;
  close(): Promise<void>;
}

export class InProcessBus implements EventBus {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  async publish(subject: string, data: unknown): Promise<void> {
    this.emitter.emit(subject, data, subject);
  }

  subscribe(subject: string, handler: (data: unknown, subject: string) => void): () => void {
    this.emitter.on(subject, handler);
    return () => this.emitter.off(subject, handler);
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}
