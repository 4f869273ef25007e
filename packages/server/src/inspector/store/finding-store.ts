import type { Finding, Summary } from '@kubeops/inspect';
import type { Explanation } from '../../providers/ai/index.js';
import type { Database, Queryable } from '../../store/database.js';
import type { FindingOwner, InspectionScope } from '../scope.js';
import { scopeCondition } from './scope-sql.js';

export type FindingStatus = 'new' | 'open' | 'resolved' | 'regressed';

export interface ObservedFinding {
  finding: Finding;
  owner: FindingOwner;
}

export interface RunOutcome {
  /** Fingerprint → status in this run (new, open, regressed). */
  seen: Map<string, FindingStatus>;
  resolved: string[];
}

/**
 * Stored findings and their lifecycle. A run upserts what it saw (new when
 * never seen, regressed when it had been resolved, open otherwise) and
 * resolves what it no longer sees, within its own scope only, so a
 * namespace run never resolves another namespace's findings.
 */
export class FindingStore {
  constructor(private readonly db: Database) {}

  async recordRun(
    runId: string,
    cluster: string,
    scope: InspectionScope,
    observed: ObservedFinding[],
    at: Date,
    tx: Queryable,
  ): Promise<RunOutcome> {
    const rows = observed.map(({ finding: f, owner }) => ({
      fingerprint: f.fingerprint,
      rule_id: f.ruleId,
      category: f.category,
      severity: f.severity,
      api_version: f.resource.apiVersion,
      kind: f.resource.kind,
      namespace: f.resource.namespace ?? null,
      name: f.resource.name,
      owner_kind: owner.kind,
      owner_name: owner.name,
      title: f.title,
      message: f.message,
      evidence: f.evidence,
      remediation: f.remediation,
    }));
    const seen = new Map<string, FindingStatus>();
    if (rows.length) {
      const { rows: upserted } = await tx.query<{ fingerprint: string; status: FindingStatus }>(
        `INSERT INTO inspection_findings AS f (cluster, fingerprint, rule_id, category, severity, api_version, kind,
           namespace, name, owner_kind, owner_name, title, message, evidence, remediation, status,
           first_seen_at, last_seen_at, first_run_id, last_run_id)
         SELECT $1, r.fingerprint, r.rule_id, r.category, r.severity, r.api_version, r.kind, r.namespace, r.name,
           r.owner_kind, r.owner_name, r.title, r.message, r.evidence, r.remediation, 'new', $3, $3, $2::bigint, $2::bigint
         FROM jsonb_to_recordset($4::jsonb) AS r(fingerprint text, rule_id text, category text, severity text,
           api_version text, kind text, namespace text, name text, owner_kind text, owner_name text, title text,
           message text, evidence jsonb, remediation jsonb)
         ON CONFLICT (cluster, fingerprint) DO UPDATE SET
           severity = EXCLUDED.severity, title = EXCLUDED.title, message = EXCLUDED.message,
           evidence = EXCLUDED.evidence, remediation = EXCLUDED.remediation,
           owner_kind = EXCLUDED.owner_kind, owner_name = EXCLUDED.owner_name,
           status = CASE WHEN f.status = 'resolved' THEN 'regressed' ELSE 'open' END,
           resolved_at = NULL, last_seen_at = EXCLUDED.last_seen_at, last_run_id = EXCLUDED.last_run_id
         RETURNING fingerprint, status`,
        [cluster, runId, at, JSON.stringify(rows)],
      );
      for (const r of upserted) seen.set(r.fingerprint, r.status);
    }
    const params: unknown[] = [cluster, runId, at];
    const { rows: resolvedRows } = await tx.query<{ fingerprint: string }>(
      `UPDATE inspection_findings SET status = 'resolved', resolved_at = $3
       WHERE cluster = $1 AND status <> 'resolved' AND last_run_id <> $2::bigint
         AND ${scopeCondition(scope, params)}
       RETURNING fingerprint`,
      params,
    );
    const resolved = resolvedRows.map((r) => r.fingerprint);
    const links = [
      ...[...seen].map(([fingerprint, status]) => ({ fingerprint, status })),
      ...resolved.map((fingerprint) => ({ fingerprint, status: 'resolved' })),
    ];
    if (links.length) {
      await tx.query(
        `INSERT INTO inspection_run_findings (run_id, fingerprint, status)
         SELECT $1::bigint, r.fingerprint, r.status FROM jsonb_to_recordset($2::jsonb) AS r(fingerprint text, status text)`,
        [runId, JSON.stringify(links)],
      );
    }
    return { seen, resolved };
  }

  /** Stores the summary a run computed, marking it succeeded. */
  async completeRun(
    runId: string,
    runner: string,
    summary: Summary & { suppressed: number },
    objectCount: number,
    outcome: RunOutcome,
    skipped: unknown[],
    tx: Queryable,
  ): Promise<boolean> {
    const counts = { new: 0, regressed: 0 };
    for (const status of outcome.seen.values()) {
      if (status === 'new') counts.new++;
      if (status === 'regressed') counts.regressed++;
    }
    const { rowCount } = await tx.query(
      `UPDATE inspection_runs SET status = 'succeeded', finished_at = now(), summary = $3::jsonb,
         object_count = $4, new_count = $5, regressed_count = $6, resolved_count = $7, skipped = $8::jsonb
       WHERE id = $1::bigint AND runner = $2 AND status = 'running'`,
      [
        runId,
        runner,
        JSON.stringify(summary),
        objectCount,
        counts.new,
        counts.regressed,
        outcome.resolved.length,
        JSON.stringify(skipped),
      ],
    );
    return rowCount === 1;
  }

  /**
   * Stores model explanations on the cluster's findings. Findings keep an
   * explanation until a later one replaces it; without one, the rule's own
   * message and remediation are the explanation.
   */
  async storeExplanations(cluster: string, explanations: Explanation[]): Promise<number> {
    if (explanations.length === 0) return 0;
    const rows = explanations.map((e) => ({ fingerprint: e.fingerprint, explanation: e }));
    const { rowCount } = await this.db.query(
      `UPDATE inspection_findings AS f SET explanation = r.explanation
       FROM jsonb_to_recordset($2::jsonb) AS r(fingerprint text, explanation jsonb)
       WHERE f.cluster = $1 AND f.fingerprint = r.fingerprint`,
      [cluster, JSON.stringify(rows)],
    );
    return rowCount;
  }

  get database(): Database {
    return this.db;
  }
}
