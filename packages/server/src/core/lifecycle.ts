import type { Logger } from './logging.js';

type Closer = { name: string; close: () => Promise<void> | void };

/**
 * Shuts a process down in the reverse order it started: listeners stop
 * accepting and finish in-flight requests before the database closes.
 */
export class Lifecycle {
  private readonly closers: Closer[] = [];
  private closing: Promise<void> | undefined;

  constructor(private readonly logger: Logger) {}

  onClose(name: string, close: Closer['close']): void {
    this.closers.push({ name, close });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const closer of [...this.closers].reverse()) {
        try {
          await closer.close();
        } catch (error) {
          this.logger.error({ err: error, component: closer.name }, 'error while shutting down');
        }
      }
    })();
    return this.closing;
  }

  /** Closes on SIGTERM/SIGINT; a grace timer forces exit if something hangs. */
  handleSignals(graceSeconds: number): void {
    const stop = (signal: string) => {
      this.logger.info({ signal }, 'shutting down');
      const timer = setTimeout(() => {
        this.logger.error('shutdown grace period passed; exiting');
        process.exit(1);
      }, graceSeconds * 1000);
      timer.unref();
      void this.close().then(() => process.exit(0));
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  }
}
