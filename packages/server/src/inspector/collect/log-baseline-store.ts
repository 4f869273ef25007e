import { errorLogTemplates, SnapshotIndex, type LogSample, type Snapshot } from '@kubeops/inspect';
import type { Queryable } from '../../store/database.js';

/** The error templates one workload logged in a run. */
export interface WorkloadTemplates {
  namespace: string;
  kind: string;
  name: string;
  templates: string[];
}

/** A failure mode not logged for this long counts as new again when it returns. */
const FORGET_AFTER_DAYS = 30;
/** Bounds what one run hands the miner as known templates. */
const MAX_BASELINE = 5000;

/**
 * The error templates of a snapshot's logs per workload (pods grouped by
 * their top owner), mined against the snapshot's baseline so that a known
 * template keeps its stored wording.
 */
export function workloadErrorTemplates(snapshot: Snapshot): WorkloadTemplates[] {
  const logs = snapshot.logs ?? [];
  if (logs.length === 0) return [];
  const index = new SnapshotIndex(snapshot);
  const groups = new Map<
    string,
    { ref: Omit<WorkloadTemplates, 'templates'>; logs: LogSample[] }
  >();
  for (const sample of logs) {
    const pod = index.get('Pod', sample.namespace, sample.pod);
    const owner = pod ? index.topOwner(pod) : undefined;
    const ref = {
      namespace: sample.namespace,
      kind: owner?.kind ?? 'Pod',
      name: owner?.metadata.name ?? sample.pod,
    };
    const id = `${ref.kind}/${ref.namespace}/${ref.name}`;
    const group = groups.get(id) ?? { ref, logs: [] };
    group.logs.push(sample);
    groups.set(id, group);
  }
  return [...groups.values()]
    .map(({ ref, logs }) => ({ ...ref, templates: errorLogTemplates({ ...snapshot, logs }) }))
    .filter((w) => w.templates.length > 0);
}

/**
 * Error-log templates seen per (cluster, namespace, workload), the baseline
 * the log rule compares a run's templates with.
 */
export class LogBaselineStore {
  constructor(private readonly db: Queryable) {}

  /** Templates seen before in the cluster (or one namespace); undefined when none were ever stored. */
  async baselineFor(cluster: string, namespace?: string): Promise<string[] | undefined> {
    const { rows } = await this.db.query<{ template: string }>(
      `SELECT DISTINCT template FROM inspection_log_templates
        WHERE cluster = $1 AND ($2::text IS NULL OR namespace = $2)
          AND last_seen > now() - make_interval(days => $3)
        ORDER BY template LIMIT $4`,
      [cluster, namespace ?? null, FORGET_AFTER_DAYS, MAX_BASELINE],
    );
    return rows.length > 0 ? rows.map((r) => r.template) : undefined;
  }

  /** Adds a run's templates; templates seen again get their last-seen time and run moved on. */
  async record(
    cluster: string,
    runId: string,
    workloads: WorkloadTemplates[],
    at: Date,
    db: Queryable = this.db,
  ): Promise<void> {
    const rows = workloads.flatMap((w) => w.templates.map((t) => [w.namespace, w.kind, w.name, t]));
    if (rows.length > 0) {
      await db.query(
        `INSERT INTO inspection_log_templates
           (cluster, namespace, workload_kind, workload_name, template, first_seen, last_seen, last_run_id)
         SELECT $1, n, k, w, t, $6, $6, $7::bigint
           FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS r(n, k, w, t)
         ON CONFLICT (cluster, namespace, workload_kind, workload_name, template)
         DO UPDATE SET last_seen = EXCLUDED.last_seen, last_run_id = EXCLUDED.last_run_id`,
        [
          cluster,
          rows.map((r) => r[0]),
          rows.map((r) => r[1]),
          rows.map((r) => r[2]),
          rows.map((r) => r[3]),
          at,
          runId,
        ],
      );
    }
    await db.query(
      `DELETE FROM inspection_log_templates
        WHERE cluster = $1 AND last_seen < $2::timestamptz - make_interval(days => $3)`,
      [cluster, at, FORGET_AFTER_DAYS],
    );
  }
}
