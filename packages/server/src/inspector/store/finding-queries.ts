import { SEVERITIES, type Category, type Severity } from '@kubeops/inspect';
import type { Database } from '../../store/database.js';

export interface FindingFilter {
  cluster: string;
  namespace?: string | undefined;
  minSeverity?: Severity | undefined;
  category?: Category | undefined;
  ruleId?: string | undefined;
  status?: Array<'new' | 'open' | 'resolved' | 'regressed'> | undefined;
  kind?: string | undefined;
  name?: string | undefined;
  /** Findings as one run saw them (with the status they had in it). */
  runId?: string | undefined;
  cursor?: string | undefined;
  limit?: number | undefined;
}

/** What a user may see: findings in these namespaces, and cluster-scoped findings of these kinds. */
export interface Visibility {
  namespaces: string[];
  clusterKinds: string[];
}

export interface StoredFinding {
  fingerprint: string;
  cluster: string;
  ruleId: string;
  category: Category;
  severity: Severity;
  resource: { apiVersion: string; kind: string; namespace: string | null; name: string };
  owner: { kind: string; name: string };
  title: string;
  message: string;
  evidence: unknown[];
  remediation: Record<string, unknown>;
  status: 'new' | 'open' | 'resolved' | 'regressed';
  firstSeenAt: string;
  lastSeenAt: string;
  resolvedAt: string | null;
}

type Row = {
  fingerprint: string;
  cluster: string;
  rule_id: string;
  category: Category;
  severity: Severity;
  api_version: string;
  kind: string;
  namespace: string | null;
  name: string;
  owner_kind: string;
  owner_name: string;
  title: string;
  message: string;
  evidence: unknown[];
  remediation: Record<string, unknown>;
  status: StoredFinding['status'];
  first_seen_at: Date;
  last_seen_at: Date;
  resolved_at: Date | null;
};

const toFinding = (r: Row): StoredFinding => ({
  fingerprint: r.fingerprint,
  cluster: r.cluster,
  ruleId: r.rule_id,
  category: r.category,
  severity: r.severity,
  resource: { apiVersion: r.api_version, kind: r.kind, namespace: r.namespace, name: r.name },
  owner: { kind: r.owner_kind, name: r.owner_name },
  title: r.title,
  message: r.message,
  evidence: r.evidence,
  remediation: r.remediation,
  status: r.status,
  firstSeenAt: new Date(r.first_seen_at).toISOString(),
  lastSeenAt: new Date(r.last_seen_at).toISOString(),
  resolvedAt: r.resolved_at ? new Date(r.resolved_at).toISOString() : null,
});

export interface TrendPoint {
  runId: string;
  time: string;
  overall: number;
  scores: Record<Category, number>;
  bySeverity: Record<Severity, number>;
  total: number;
  new: number;
  resolved: number;
  regressed: number;
}

/** Reading stored findings: filters, per-user visibility, and score trends over runs. */
export class FindingQueries {
  constructor(private readonly db: Database) {}

  /** Namespaces and cluster-scoped kinds that have findings, to ask the cluster which the user may see. */
  async candidates(cluster: string): Promise<Visibility> {
    const { rows } = await this.db.query<{ namespace: string | null; kind: string; name: string }>(
      `SELECT DISTINCT namespace, kind, CASE WHEN kind = 'Namespace' THEN name ELSE '' END AS name
       FROM inspection_findings WHERE cluster = $1`,
      [cluster],
    );
    const namespaces = new Set<string>();
    const clusterKinds = new Set<string>();
    for (const r of rows) {
      if (r.namespace) namespaces.add(r.namespace);
      else if (r.kind === 'Namespace') namespaces.add(r.name);
      else clusterKinds.add(r.kind);
    }
    return { namespaces: [...namespaces].sort(), clusterKinds: [...clusterKinds].sort() };
  }

  async list(
    filter: FindingFilter,
    visibility: Visibility,
  ): Promise<{ items: StoredFinding[]; nextCursor: string | null }> {
    const params: unknown[] = [filter.cluster, visibility.namespaces, visibility.clusterKinds];
    const where = [
      'f.cluster = $1',
      `(f.namespace = ANY($2::text[]) OR (f.kind = 'Namespace' AND f.name = ANY($2::text[]))
        OR (f.namespace IS NULL AND f.kind <> 'Namespace' AND f.kind = ANY($3::text[])))`,
    ];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replaceAll('?', `$${params.length}`));
    };
    let from = 'inspection_findings f';
    let status = 'f.status';
    if (filter.runId) {
      params.push(filter.runId);
      from += ` JOIN inspection_run_findings rf ON rf.fingerprint = f.fingerprint AND rf.run_id = $${params.length}::bigint`;
      status = 'rf.status';
    }
    if (filter.namespace)
      add(`(f.namespace = ? OR (f.kind = 'Namespace' AND f.name = ?))`, filter.namespace);
    if (filter.minSeverity) {
      add(
        'f.severity = ANY(?::text[])',
        SEVERITIES.slice(0, SEVERITIES.indexOf(filter.minSeverity) + 1),
      );
    }
    if (filter.category) add('f.category = ?', filter.category);
    if (filter.ruleId) add('f.rule_id = ?', filter.ruleId);
    if (filter.status?.length) add(`${status} = ANY(?::text[])`, filter.status);
    if (filter.kind) add('f.kind = ?', filter.kind);
    if (filter.name) add('f.name = ?', filter.name);
    if (filter.cursor) add('f.fingerprint > ?', filter.cursor);
    const limit = filter.limit ?? 100;
    params.push(limit + 1);
    const { rows } = await this.db.query<Row>(
      `SELECT f.cluster, f.fingerprint, f.rule_id, f.category, f.severity, f.api_version, f.kind, f.namespace, f.name,
         f.owner_kind, f.owner_name, f.title, f.message, f.evidence, f.remediation, ${status} AS status,
         f.first_seen_at, f.last_seen_at, f.resolved_at
       FROM ${from} WHERE ${where.join(' AND ')} ORDER BY f.fingerprint LIMIT $${params.length}`,
      params,
    );
    const items = rows.slice(0, limit).map(toFinding);
    return {
      items,
      nextCursor: rows.length > limit ? (items[items.length - 1]?.fingerprint ?? null) : null,
    };
  }

  /** Scores and counts of the last successful runs with exactly this scope, oldest first. */
  async trends(
    cluster: string,
    namespace: string | undefined,
    limit: number,
  ): Promise<TrendPoint[]> {
    const { rows } = await this.db.query<{
      id: string;
      finished_at: Date;
      summary: {
        overall: number;
        scores: Record<Category, number>;
        bySeverity: Record<Severity, number>;
        total: number;
      };
      new_count: number;
      resolved_count: number;
      regressed_count: number;
    }>(
      `SELECT id::text AS id, finished_at, summary, new_count, resolved_count, regressed_count
       FROM inspection_runs
       WHERE cluster = $1 AND status = 'succeeded' AND namespace IS NOT DISTINCT FROM $2 AND workload_kind IS NULL
       ORDER BY id DESC LIMIT $3`,
      [cluster, namespace ?? null, limit],
    );
    return rows.reverse().map((r) => ({
      runId: r.id,
      time: new Date(r.finished_at).toISOString(),
      overall: r.summary.overall,
      scores: r.summary.scores,
      bySeverity: r.summary.bySeverity,
      total: r.summary.total,
      new: r.new_count,
      resolved: r.resolved_count,
      regressed: r.regressed_count,
    }));
  }
}
