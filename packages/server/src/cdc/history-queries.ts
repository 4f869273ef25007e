import type {
  ChangeCounts,
  ChangePage,
  ChangeType,
  JsonPatchOperation,
  ObjectAsOf,
  ObjectChange,
  VersionDiff,
} from '@kubeops/contracts';
import { KubeOpsError, invalidInput } from '../core/errors.js';
import type { Queryable } from '../store/database.js';
import { auditJoin, changeColumns, toObjectChange, type ChangeRow } from './change-rows.js';
import { applyPatch, diffJson } from './json-patch.js';

/** One object's identity in the history: its name, across every uid it had. */
export interface ObjectRef {
  cluster: string;
  group: string;
  resource: string;
  namespace: string;
  name: string;
}

/** What a user may see of one captured resource: every namespace (null) or these. */
export interface VisibleResource {
  cluster: string;
  group: string;
  resource: string;
  namespaces: string[] | null;
}

export interface ScopeFilter {
  /** Only these (already restricted to what the user may get); empty means nothing. */
  visible: VisibleResource[];
  namespaces?: string[] | undefined;
  kinds?: string[] | undefined;
  actor?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
  events?: boolean | undefined;
}

const table = (events: boolean | undefined) => (events ? 'cdc_kube_events' : 'cdc_changes');

function instant(field: string, value: string): string {
  const time = new Date(value);
  if (Number.isNaN(time.getTime()))
    throw invalidInput(field, `${JSON.stringify(value)} is not a date-time`);
  return time.toISOString();
}

/** Keyset cursor over (observed_at, id), newest first. */
const encodeCursor = (c: ObjectChange) =>
  Buffer.from(`${c.observedAt}|${c.id}`).toString('base64url');

function decodeCursor(cursor: string): { time: string; id: string } {
  const [time, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  if (!time || !id || !/^\d{1,19}$/.test(id) || Number.isNaN(Date.parse(time)))
    throw invalidInput('query.cursor', 'is not a cursor this API returned');
  return { time, id };
}

class Conditions {
  readonly params: unknown[] = [];
  private readonly parts: string[] = [];
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }
  add(sql: string): void {
    this.parts.push(sql);
  }
  get sql(): string {
    return this.parts.length ? this.parts.join(' AND ') : 'true';
  }
}

function scopeConditions(filter: ScopeFilter, where: Conditions): void {
  const visible = filter.visible.map((v) => {
    const base = `(c.cluster = ${where.param(v.cluster)} AND c.api_group = ${where.param(v.group)} AND c.resource = ${where.param(v.resource)}`;
    return v.namespaces === null
      ? `${base})`
      : `${base} AND c.namespace = ANY(${where.param(v.namespaces)}::text[]))`;
  });
  where.add(visible.length ? `(${visible.join(' OR ')})` : 'false');
  // One namespace as an equality, so the (cluster, namespace, observed_at) index also gives the order.
  if (filter.namespaces?.length === 1)
    where.add(`c.namespace = ${where.param(filter.namespaces[0])}`);
  else if (filter.namespaces?.length)
    where.add(`c.namespace = ANY(${where.param(filter.namespaces)}::text[])`);
  if (filter.kinds?.length) where.add(`c.kind = ANY(${where.param(filter.kinds)}::text[])`);
  if (filter.since)
    where.add(`c.observed_at >= ${where.param(instant('query.since', filter.since))}::timestamptz`);
  if (filter.until)
    where.add(`c.observed_at < ${where.param(instant('query.until', filter.until))}::timestamptz`);
  if (filter.actor) {
    const actor = where.param(filter.actor);
    where.add(
      `(c.field_managers @> jsonb_build_array(jsonb_build_object('manager', ${actor}::text)) OR a.actor = ${actor})`,
    );
  }
}

/** Reading the change history: pages, counts, and objects rebuilt as of a time. */
export class HistoryQueries {
  constructor(private readonly db: Queryable) {}

  private async page(
    where: Conditions,
    from: string,
    limit: number,
    cursor?: string,
  ): Promise<ChangePage> {
    if (cursor) {
      const at = decodeCursor(cursor);
      where.add(
        `(c.observed_at, c.id) < (${where.param(at.time)}::timestamptz, ${where.param(at.id)}::bigint)`,
      );
    }
    const { rows } = await this.db.query<ChangeRow>(
      `SELECT ${changeColumns('c')} FROM ${from} c ${auditJoin('c')}
       WHERE ${where.sql} ORDER BY c.observed_at DESC, c.id DESC LIMIT ${where.param(limit + 1)}`,
      where.params,
    );
    const items = rows.slice(0, limit).map(toObjectChange);
    return {
      items,
      nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1]!) : null,
    };
  }

  /** Every change of one object (all its incarnations), newest first. */
  objectHistory(ref: ObjectRef, limit = 100, cursor?: string): Promise<ChangePage> {
    const where = new Conditions();
    where.add(
      `c.cluster = ${where.param(ref.cluster)} AND c.api_group = ${where.param(ref.group)} AND c.resource = ${where.param(ref.resource)}
       AND c.namespace = ${where.param(ref.namespace)} AND c.name = ${where.param(ref.name)}`,
    );
    return this.page(where, 'cdc_changes', limit, cursor);
  }

  /** Changes in a scope, newest first. */
  changes(filter: ScopeFilter, limit = 100, cursor?: string): Promise<ChangePage> {
    const where = new Conditions();
    scopeConditions(filter, where);
    return this.page(where, table(filter.events), limit, cursor);
  }

  /** Changes per time bucket and type, for charts. */
  async counts(filter: ScopeFilter, bucket: 'minute' | 'hour' | 'day'): Promise<ChangeCounts> {
    const where = new Conditions();
    scopeConditions(filter, where);
    const needsAudit = !!filter.actor;
    const { rows } = await this.db.query<{ time: Date; type: ChangeType; n: number }>(
      `SELECT date_trunc('${bucket}', c.observed_at) AS time, c.type, count(*)::int AS n
       FROM ${table(filter.events)} c ${needsAudit ? auditJoin('c') : ''}
       WHERE ${where.sql} GROUP BY 1, 2 ORDER BY 1`,
      where.params,
    );
    const byTime = new Map<string, ChangeCounts['items'][number]>();
    for (const r of rows) {
      const time = new Date(r.time).toISOString();
      let item = byTime.get(time);
      if (!item) byTime.set(time, (item = { time, created: 0, updated: 0, deleted: 0 }));
      item[r.type] += Number(r.n);
    }
    return { bucket, items: [...byTime.values()] };
  }

  /** The object as it was at `time`: the last snapshot before it with every later patch applied. */
  async asOf(ref: ObjectRef, time: string): Promise<ObjectAsOf> {
    const at = instant('query.time', time);
    const { rows } = await this.db.query<{
      uid: string;
      object_version: number;
      type: ChangeType;
      resource_version: string;
      observed_at: Date;
    }>(
      `SELECT uid, object_version, type, resource_version, observed_at FROM cdc_changes
       WHERE cluster = $1 AND api_group = $2 AND resource = $3 AND namespace = $4 AND name = $5 AND observed_at <= $6
       ORDER BY observed_at DESC, id DESC LIMIT 1`,
      [ref.cluster, ref.group, ref.resource, ref.namespace, ref.name, at],
    );
    const last = rows[0];
    if (!last || last.type === 'deleted')
      throw new KubeOpsError(
        'not_in_history',
        404,
        `${ref.name} did not exist at ${at} as far as the history knows`,
        {
          details: { field: 'query.time' },
        },
      );
    return {
      time: at,
      uid: last.uid,
      objectVersion: Number(last.object_version),
      resourceVersion: last.resource_version,
      changedAt: new Date(last.observed_at).toISOString(),
      object: await this.rebuild(ref.cluster, last.uid, Number(last.object_version)),
    };
  }

  /** The patch from one version of an object to another (either may be older). */
  async diff(ref: ObjectRef, from: number, to: number, uid?: string): Promise<VersionDiff> {
    const incarnation = uid ?? (await this.latestUid(ref));
    const [a, b] = await Promise.all([
      this.rebuild(ref.cluster, incarnation, from, 'query.from'),
      this.rebuild(ref.cluster, incarnation, to, 'query.to'),
    ]);
    return { uid: incarnation, from, to, patch: diffJson(a, b) };
  }

  private async latestUid(ref: ObjectRef): Promise<string> {
    const { rows } = await this.db.query<{ uid: string }>(
      `SELECT uid FROM cdc_changes WHERE cluster = $1 AND api_group = $2 AND resource = $3 AND namespace = $4 AND name = $5
       ORDER BY observed_at DESC, id DESC LIMIT 1`,
      [ref.cluster, ref.group, ref.resource, ref.namespace, ref.name],
    );
    if (!rows[0])
      throw new KubeOpsError('not_in_history', 404, `The history holds no changes of ${ref.name}`);
    return rows[0].uid;
  }

  private async rebuild(
    cluster: string,
    uid: string,
    version: number,
    field = 'query.time',
  ): Promise<unknown> {
    const { rows } = await this.db.query<{
      object_version: number;
      type: ChangeType;
      patch: JsonPatchOperation[];
      snapshot: unknown;
    }>(
      `SELECT object_version, type, patch, snapshot FROM cdc_changes
       WHERE cluster = $1 AND uid = $2 AND object_version <= $3 AND object_version >= (
         SELECT max(object_version) FROM cdc_changes
         WHERE cluster = $1 AND uid = $2 AND object_version <= $3 AND snapshot IS NOT NULL)
       ORDER BY object_version, id`,
      [cluster, uid, version],
    );
    const last = rows[rows.length - 1];
    if (!last || Number(last.object_version) !== version || last.type === 'deleted')
      throw new KubeOpsError(
        'not_in_history',
        404,
        `Version ${version} of this object is not in the history`,
        {
          details: { field },
        },
      );
    let object: unknown = rows[0]!.snapshot;
    for (const r of rows.slice(1)) object = r.snapshot ?? applyPatch(object, r.patch);
    return object;
  }
}
