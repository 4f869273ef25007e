import { conflict, notFound } from '../../core/errors.js';
import type { Database } from '../../store/database.js';
import { UNIQUE_VIOLATION, pgErrorCode } from '../../store/database.js';
import type { InspectionScope } from '../scope.js';
import { nextCronTime } from './run-store.js';

export interface ScheduleInput extends InspectionScope {
  name: string;
  cluster: string;
  cron: string;
  timezone?: string | undefined;
  enabled?: boolean | undefined;
}

export interface Schedule {
  id: string;
  name: string;
  cluster: string;
  namespace: string | null;
  workload: { kind: string; name: string } | null;
  cron: string;
  timezone: string;
  enabled: boolean;
  nextRunAt: string;
  createdBy: string | null;
  createdAt: string;
}

type Row = {
  id: string;
  name: string;
  cluster: string;
  namespace: string | null;
  workload_kind: string | null;
  workload_name: string | null;
  cron: string;
  timezone: string;
  enabled: boolean;
  next_run_at: Date;
  created_by: string | null;
  created_at: Date;
};

const toSchedule = (r: Row): Schedule => ({
  id: r.id,
  name: r.name,
  cluster: r.cluster,
  namespace: r.namespace,
  workload:
    r.workload_kind && r.workload_name ? { kind: r.workload_kind, name: r.workload_name } : null,
  cron: r.cron,
  timezone: r.timezone,
  enabled: r.enabled,
  nextRunAt: new Date(r.next_run_at).toISOString(),
  createdBy: r.created_by,
  createdAt: new Date(r.created_at).toISOString(),
});

/** Cron schedules of inspections; the runner queues a run when one comes due. */
export class ScheduleStore {
  constructor(private readonly db: Database) {}

  async create(
    input: ScheduleInput,
    createdBy: string | null,
    now = new Date(),
  ): Promise<Schedule> {
    const timezone = input.timezone ?? 'UTC';
    const next = nextCronTime(input.cron, timezone, now);
    try {
      const { rows } = await this.db.query<Row>(
        `INSERT INTO inspection_schedules (name, cluster, namespace, workload_kind, workload_name, cron, timezone, enabled, next_run_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
        [
          input.name,
          input.cluster,
          input.namespace ?? null,
          input.workload?.kind ?? null,
          input.workload?.name ?? null,
          input.cron,
          timezone,
          input.enabled ?? true,
          next,
          createdBy,
        ],
      );
      return toSchedule(rows[0]!);
    } catch (error) {
      if (pgErrorCode(error) === UNIQUE_VIOLATION) {
        throw conflict(`A schedule named ${input.name} already exists`, { field: 'name' });
      }
      throw error;
    }
  }

  async list(cluster?: string): Promise<Schedule[]> {
    const { rows } = await this.db.query<Row>(
      'SELECT * FROM inspection_schedules WHERE ($1::text IS NULL OR cluster = $1) ORDER BY name',
      [cluster ?? null],
    );
    return rows.map(toSchedule);
  }

  async remove(id: string): Promise<Schedule> {
    const { rows } = await this.db.query<Row>(
      'DELETE FROM inspection_schedules WHERE id = $1 RETURNING *',
      [id],
    );
    if (!rows[0]) throw notFound('schedule', id);
    return toSchedule(rows[0]);
  }
}
