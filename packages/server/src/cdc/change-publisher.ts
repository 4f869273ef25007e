import type { ChangeCloudEvent, ObjectChange } from '@kubeops/contracts';
import type { EventBus } from '../core/bus.js';
import type { Logger } from '../core/logging.js';
import type { Database } from '../store/database.js';
import { auditJoin, changeColumns, toObjectChange, type ChangeRow } from './change-rows.js';

/** The bus subject every change is published on. */
export const CHANGE_SUBJECT = 'cdc.changes';
const CURSOR = 'changes';
const PAGE = 500;

export function changeEvent(change: ObjectChange): ChangeCloudEvent {
  return {
    specversion: '1.0',
    id: `${change.cluster}/${change.uid}/${change.resourceVersion}`,
    source: `/kubeops/clusters/${change.cluster}`,
    type: `io.kubeops.change.${change.type}`,
    subject: `${change.group || 'core'}/${change.resource}/${change.namespace}/${change.name}`,
    time: change.observedAt,
    datacontenttype: 'application/json',
    partitionkey: `${change.cluster}/${change.uid}`,
    data: change,
  };
}

/**
 * Publishes stored changes on the event bus in the order they were stored,
 * from a cursor kept in the database: the table is the outbox, so a change
 * stored just before a crash is published after the restart (at least once;
 * the event id is stable, for consumers that deduplicate).
 */
export class ChangePublisher {
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  published = 0;

  constructor(
    private readonly db: Database,
    private readonly bus: EventBus,
    private readonly logger: Logger,
  ) {}

  start(): void {
    // A safety net for a kick lost to a failure: look again every few seconds.
    this.timer = setInterval(() => this.kick(), 5_000);
    this.timer.unref();
    this.kick();
  }

  /** New changes were stored. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((error: unknown) => this.logger.error({ err: error }, 'publishing changes failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const { rows: cursor } = await this.db.query<{ last_id: string }>(
        `SELECT last_id::text AS last_id FROM cdc_publish_cursor WHERE name = $1`,
        [CURSOR],
      );
      const after = cursor[0]?.last_id ?? '0';
      const { rows } = await this.db.query<ChangeRow>(
        `SELECT ${changeColumns('c')} FROM cdc_changes c ${auditJoin('c')}
         WHERE c.id > $1::bigint ORDER BY c.id LIMIT ${PAGE}`,
        [after],
      );
      if (rows.length === 0) return;
      for (const row of rows) {
        const event = changeEvent(toObjectChange(row));
        // Keyed by object: a Kafka bus keeps one object's changes in one partition, in order.
        await this.bus.publish(CHANGE_SUBJECT, event, { key: event.partitionkey });
      }
      this.published += rows.length;
      await this.db.query(
        `INSERT INTO cdc_publish_cursor (name, last_id) VALUES ($1, $2::bigint)
         ON CONFLICT (name) DO UPDATE SET last_id = EXCLUDED.last_id`,
        [CURSOR, rows[rows.length - 1]!.id],
      );
      if (rows.length < PAGE) return;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }
}
