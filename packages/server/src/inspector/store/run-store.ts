import { Cron } from 'croner';
import { KubeOpsError, notFound } from '../../core/errors.js';
import type { Database, Queryable } from '../../store/database.js';
import type { InspectionScope } from '../scope.js';

export interface RunRequest extends InspectionScope {
  cluster: string;
  trigger: 'schedule' | 'manual';
  scheduleId?: string | null | undefined;
  requestedBy?: string | null | undefined;
}

export interface RunRow {
  id: string;
  cluster: string;
  namespace: string | null;
  workload_kind: string | null;
  workload_name: string | null;
  trigger: 'schedule' | 'manual';
  schedule_id: string | null;
  requested_by: string | null;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  runner: string | null;
  queued_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  error: string | null;
  summary: Record<string, unknown> | null;
  object_count: number | null;
  new_count: number | null;
  resolved_count: number | null;
  regressed_count: number | null;
  skipped: unknown[];
}

export const RUN_COLUMNS = `id::text AS id, cluster, namespace, workload_kind, workload_name, trigger, schedule_id,
  requested_by, status, runner, queued_at, started_at, finished_at, error, summary, object_count, new_count,
  resolved_count, regressed_count, skipped`;

export function scopeOfRun(run: RunRow): InspectionScope {
  return {
    namespace: run.namespace,
    workload:
      run.workload_kind && run.workload_name
        ? { kind: run.workload_kind, name: run.workload_name }
        : null,
  };
}

/** The next time a cron expression fires after `after`, or a 400 naming the field. */
export function nextCronTime(cron: string, timezone: string, after: Date): Date {
  let next: Date | null;
  try {
    next = new Cron(cron, { timezone, paused: true }).nextRun(after);
  } catch (error) {
    throw new KubeOpsError('invalid_request', 400, `cron: ${(error as Error).message}`, {
      details: { field: 'cron' },
    });
  }
  if (!next) {
    throw new KubeOpsError('invalid_request', 400, 'cron: the expression never fires again', {
      details: { field: 'cron' },
    });
  }
  return next;
}

/** The queue of inspection runs: enqueued by the API or the schedules, claimed by the runner. */
export class RunStore {
  constructor(private readonly db: Database) {}

  async enqueue(request: RunRequest, tx: Queryable = this.db): Promise<RunRow> {
    const { rows } = await tx.query<RunRow>(
      `INSERT INTO inspection_runs (cluster, namespace, workload_kind, workload_name, trigger, schedule_id, requested_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${RUN_COLUMNS}`,
      [
        request.cluster,
        request.namespace ?? null,
        request.workload?.kind ?? null,
        request.workload?.name ?? null,
        request.trigger,
        request.scheduleId ?? null,
        request.requestedBy ?? null,
      ],
    );
    return rows[0]!;
  }

  /** Takes the oldest queued run; SKIP LOCKED keeps two claimers from taking the same one. */
  async claimNext(runner: string): Promise<RunRow | undefined> {
    const { rows } = await this.db.query<RunRow>(
      `UPDATE inspection_runs SET status = 'running', runner = $1, started_at = now()
       WHERE id = (SELECT id FROM inspection_runs WHERE status = 'queued' ORDER BY id
                   LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING ${RUN_COLUMNS}`,
      [runner],
    );
    return rows[0];
  }

  async fail(runId: string, runner: string, message: string): Promise<void> {
    await this.db.query(
      `UPDATE inspection_runs SET status = 'failed', finished_at = now(), error = $3
       WHERE id = $1::bigint AND runner = $2 AND status = 'running'`,
      [runId, runner, message.slice(0, 2000)],
    );
  }

  /** Runs left 'running' by a runner that is gone (a new runner took the lease). */
  async failAbandoned(currentRunner: string): Promise<number> {
    const { rowCount } = await this.db.query(
      `UPDATE inspection_runs SET status = 'failed', finished_at = now(),
         error = 'the runner stopped before the run finished'
       WHERE status = 'running' AND runner <> $1`,
      [currentRunner],
    );
    return rowCount;
  }

  /**
   * Queues one run for every enabled schedule whose time has come and moves
   * it to its next time, in one transaction: missed times (the inspector was
   * down) collapse into a single run instead of a burst.
   */
  async enqueueDue(now: Date): Promise<RunRow[]> {
    return this.db.transaction(async (tx) => {
      const { rows: due } = await tx.query<{
        id: string;
        cluster: string;
        namespace: string | null;
        workload_kind: string | null;
        workload_name: string | null;
        cron: string;
        timezone: string;
        created_by: string | null;
      }>(
        `SELECT id, cluster, namespace, workload_kind, workload_name, cron, timezone, created_by
         FROM inspection_schedules WHERE enabled AND next_run_at <= $1 FOR UPDATE SKIP LOCKED`,
        [now],
      );
      const runs: RunRow[] = [];
      for (const s of due) {
        runs.push(
          await this.enqueue(
            {
              cluster: s.cluster,
              namespace: s.namespace,
              workload:
                s.workload_kind && s.workload_name
                  ? { kind: s.workload_kind, name: s.workload_name }
                  : null,
              trigger: 'schedule',
              scheduleId: s.id,
              requestedBy: s.created_by,
            },
            tx,
          ),
        );
        await tx.query('UPDATE inspection_schedules SET next_run_at = $2 WHERE id = $1', [
          s.id,
          nextCronTime(s.cron, s.timezone, now),
        ]);
      }
      return runs;
    });
  }

  async get(runId: string): Promise<RunRow> {
    const { rows } = await this.db.query<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM inspection_runs WHERE id = $1::bigint`,
      [runId],
    );
    if (!rows[0]) throw notFound('inspection run', runId);
    return rows[0];
  }

  async list(cluster: string, limit: number, before?: string): Promise<RunRow[]> {
    const { rows } = await this.db.query<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM inspection_runs WHERE cluster = $1
         AND ($3::bigint IS NULL OR id < $3::bigint)
       ORDER BY id DESC LIMIT $2`,
      [cluster, limit, before ?? null],
    );
    return rows;
  }
}
