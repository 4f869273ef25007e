import type { Logger } from '../core/logging.js';
import type { Database, Queryable } from '../store/database.js';
import { pgErrorCode } from '../store/database.js';
import type { ChangeRecord, ResourceKey, StateUpdate } from './change-record.js';
import type { CaptureTable } from './resource-selection.js';

const TABLES: Record<CaptureTable, string> = { changes: 'cdc_changes', events: 'cdc_kube_events' };
const DUPLICATE_TABLE = '42P07';

export interface WriterOptions {
  batchSize: number;
  flushMilliseconds: number;
  /** Called after each committed batch (the publisher reads what was written). */
  onCommitted?: (written: number) => void;
}

const resourceId = (k: ResourceKey) => `${k.cluster}\0${k.group}\0${k.resource}`;
const day = (d: Date) => d.toISOString().slice(0, 10);

/** `cdc_changes_p20261204` for the day 2026-12-04 (UTC). */
export const partitionName = (table: string, date: string) =>
  `${table}_p${date.replaceAll('-', '')}`;

/** Creates the day partition a change lands in; harmless when another process just did. */
export async function ensurePartition(db: Queryable, table: string, date: string): Promise<void> {
  const next = new Date(`${date}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  try {
    await db.query(
      `CREATE TABLE IF NOT EXISTS ${partitionName(table, date)} PARTITION OF ${table}
       FOR VALUES FROM ('${date}T00:00:00Z') TO ('${next.toISOString()}')`,
    );
  } catch (error) {
    if (pgErrorCode(error) !== DUPLICATE_TABLE) throw error;
  }
}

/**
 * Batched, idempotent writes of captured changes. Changes, the stored
 * object state and each resource's resume point go in one transaction, so
 * after a crash the watch resumes exactly after the last change stored; a
 * change already stored (same cluster, uid and resourceVersion) is skipped.
 * A batch that fails is retried, in order, until it is written.
 */
export class ChangeWriter {
  private queue: ChangeRecord[] = [];
  private states = new Map<string, StateUpdate>();
  private resume = new Map<string, { key: ResourceKey; resourceVersion: string }>();
  private readonly partitions = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private failures = 0;
  private closed = false;
  /** Changes written so far (for metrics and benchmarks). */
  written = 0;
  /** From observing the oldest change of the last batch to its commit. */
  lastLagMs = 0;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly options: WriterOptions,
  ) {}

  /** A change and the state it leaves; the state alone (no change) for a version that changed nothing stored. */
  add(change: ChangeRecord | undefined, state: StateUpdate): void {
    if (change) this.queue.push(change);
    const id = `${resourceId(state.key)}\0${state.deleted ? state.uid : state.state.uid}`;
    this.states.delete(id);
    this.states.set(id, state);
    this.schedule();
  }

  /** Every change up to `resourceVersion` of this resource has been handed to `add`. */
  advance(key: ResourceKey, resourceVersion: string): void {
    this.resume.set(resourceId(key), { key, resourceVersion });
    this.schedule();
  }

  get pending(): number {
    return this.queue.length;
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.queue.length >= this.options.batchSize) {
      void this.flush();
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.options.flushMilliseconds);
  }

  /** Writes everything handed over so far. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => (this.hasWork() ? this.flush() : undefined));
    if (!this.hasWork()) return Promise.resolve();
    this.flushing = this.writeBatch().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private hasWork(): boolean {
    return this.queue.length > 0 || this.states.size > 0 || this.resume.size > 0;
  }

  private async writeBatch(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    // A batch is cut where the resume points were taken: every change before them is in it.
    const changes = this.queue.splice(0, this.options.batchSize);
    const whole = this.queue.length === 0;
    const states = whole ? this.states : new Map();
    const resume = whole ? this.resume : new Map();
    if (whole) {
      this.states = new Map();
      this.resume = new Map();
    }
    try {
      for (const c of changes) {
        const id = `${c.table}\0${day(c.observedAt)}`;
        if (this.partitions.has(id)) continue;
        await ensurePartition(this.db, TABLES[c.table], day(c.observedAt));
        this.partitions.add(id);
      }
      const accepted = await this.db.transaction(async (tx) => {
        const inserted = await insertChanges(tx, changes);
        await writeStates(tx, [...states.values()]);
        await writeResume(tx, [...resume.values()]);
        return inserted;
      });
      this.failures = 0;
      this.written += accepted;
      if (changes.length) this.lastLagMs = Date.now() - changes[0]!.observedAt.getTime();
      this.options.onCommitted?.(accepted);
    } catch (error) {
      // Put everything back, in front of what arrived meanwhile, and try again later.
      this.queue.unshift(...changes);
      for (const [k, v] of states) if (!this.states.has(k)) this.states.set(k, v);
      for (const [k, v] of resume) if (!this.resume.has(k)) this.resume.set(k, v);
      this.failures += 1;
      this.logger.error(
        { err: error, changes: changes.length },
        'storing changes failed; retrying',
      );
      if (!this.closed) {
        const wait = Math.min(30_000, 200 * 2 ** Math.min(this.failures, 8));
        await new Promise((r) => setTimeout(r, wait).unref());
      }
      if (this.closed) return;
    }
    if (this.hasWork()) this.schedule();
  }

  async close(): Promise<void> {
    await this.flush().catch(() => undefined);
    this.closed = true;
    clearTimeout(this.timer);
  }
}

async function insertChanges(tx: Queryable, changes: ChangeRecord[]): Promise<number> {
  if (changes.length === 0) return 0;
  const seen = new Set<string>();
  const rows = [];
  for (const [ord, c] of changes.entries()) {
    const id = `${c.key.cluster}\0${c.uid}\0${c.resourceVersion}`;
    if (seen.has(id)) continue;
    seen.add(id);
    rows.push({
      ord,
      tbl: c.table,
      cluster: c.key.cluster,
      api_group: c.key.group,
      api_version: c.key.version,
      kind: c.key.kind,
      resource: c.key.resource,
      namespace: c.namespace,
      name: c.name,
      uid: c.uid,
      resource_version: c.resourceVersion,
      type: c.type,
      observed_at: c.observedAt.toISOString(),
      generation: c.generation,
      object_version: c.objectVersion,
      seen_at_relist: c.seenAtRelist,
      patch: c.patch,
      snapshot: c.snapshot,
      field_managers: c.fieldManagers,
      changed_secret_keys: c.changedSecretKeys,
    });
  }
  const { rows: fresh } = await tx.query<{ ord: number }>(
    `WITH incoming AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb)
         AS x(ord int, cluster text, uid text, resource_version text, observed_at timestamptz)
     ), inserted AS (
       INSERT INTO cdc_change_keys (cluster, uid, resource_version, observed_at)
       SELECT cluster, uid, resource_version, observed_at FROM incoming
       ON CONFLICT DO NOTHING RETURNING cluster, uid, resource_version
     )
     SELECT i.ord FROM incoming i JOIN inserted USING (cluster, uid, resource_version)`,
    [
      JSON.stringify(
        rows.map(({ ord, cluster, uid, resource_version, observed_at }) => ({
          ord,
          cluster,
          uid,
          resource_version,
          observed_at,
        })),
      ),
    ],
  );
  const accepted = new Set(fresh.map((r) => Number(r.ord)));
  let count = 0;
  for (const [table, name] of Object.entries(TABLES)) {
    const batch = rows.filter((r) => r.tbl === table && accepted.has(r.ord));
    if (batch.length === 0) continue;
    count += batch.length;
    await tx.query(
      `INSERT INTO ${name} (cluster, api_group, api_version, kind, resource, namespace, name, uid, resource_version,
         type, observed_at, generation, object_version, seen_at_relist, patch, snapshot, field_managers, changed_secret_keys)
       SELECT cluster, api_group, api_version, kind, resource, namespace, name, uid, resource_version,
         type, observed_at, generation, object_version, seen_at_relist, patch, snapshot, field_managers, changed_secret_keys
       FROM jsonb_to_recordset($1::jsonb) AS x(ord int, cluster text, api_group text, api_version text, kind text,
         resource text, namespace text, name text, uid text, resource_version text, type text, observed_at timestamptz,
         generation bigint, object_version int, seen_at_relist boolean, patch jsonb, snapshot jsonb,
         field_managers jsonb, changed_secret_keys text[])
       ORDER BY ord`,
      [JSON.stringify(batch)],
    );
  }
  return count;
}

async function writeStates(tx: Queryable, updates: StateUpdate[]): Promise<void> {
  const live = updates.filter((u): u is Extract<StateUpdate, { deleted?: false }> => !u.deleted);
  const gone = updates.filter((u): u is Extract<StateUpdate, { deleted: true }> => !!u.deleted);
  if (gone.length) {
    await tx.query(
      `DELETE FROM cdc_objects o USING jsonb_to_recordset($1::jsonb) AS x(cluster text, api_group text, resource text, uid text)
       WHERE o.cluster = x.cluster AND o.api_group = x.api_group AND o.resource = x.resource AND o.uid = x.uid`,
      [
        JSON.stringify(
          gone.map((u) => ({
            cluster: u.key.cluster,
            api_group: u.key.group,
            resource: u.key.resource,
            uid: u.uid,
          })),
        ),
      ],
    );
  }
  if (live.length) {
    await tx.query(
      `INSERT INTO cdc_objects (cluster, api_group, resource, uid, namespace, name, resource_version, object_version,
         since_snapshot, body, managers)
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(cluster text, api_group text, resource text, uid text,
         namespace text, name text, resource_version text, object_version int, since_snapshot int, body jsonb, managers jsonb)
       ON CONFLICT (cluster, api_group, resource, uid) DO UPDATE SET namespace = EXCLUDED.namespace,
         name = EXCLUDED.name, resource_version = EXCLUDED.resource_version, object_version = EXCLUDED.object_version,
         since_snapshot = EXCLUDED.since_snapshot, body = EXCLUDED.body, managers = EXCLUDED.managers`,
      [
        JSON.stringify(
          live.map(({ key, state }) => ({
            cluster: key.cluster,
            api_group: key.group,
            resource: key.resource,
            uid: state.uid,
            namespace: state.namespace,
            name: state.name,
            resource_version: state.resourceVersion,
            object_version: state.objectVersion,
            since_snapshot: state.sinceSnapshot,
            body: state.body,
            managers: state.managers,
          })),
        ),
      ],
    );
  }
}

async function writeResume(
  tx: Queryable,
  points: Array<{ key: ResourceKey; resourceVersion: string }>,
): Promise<void> {
  if (points.length === 0) return;
  await tx.query(
    `INSERT INTO cdc_resume (cluster, api_group, resource, api_version, kind, namespaced, resource_version, updated_at)
     SELECT cluster, api_group, resource, api_version, kind, namespaced, resource_version, now()
     FROM jsonb_to_recordset($1::jsonb) AS x(cluster text, api_group text, resource text, api_version text, kind text,
       namespaced boolean, resource_version text)
     ON CONFLICT (cluster, api_group, resource) DO UPDATE SET api_version = EXCLUDED.api_version,
       kind = EXCLUDED.kind, namespaced = EXCLUDED.namespaced, resource_version = EXCLUDED.resource_version,
       updated_at = now()`,
    [
      JSON.stringify(
        points.map(({ key, resourceVersion }) => ({
          cluster: key.cluster,
          api_group: key.group,
          resource: key.resource,
          api_version: key.version,
          kind: key.kind,
          namespaced: key.namespaced,
          resource_version: resourceVersion,
        })),
      ),
    ],
  );
}
