import type { Database } from '../../store/database.js';

/**
 * A lease row that makes exactly one replica the runner: the holder renews
 * it before it expires; another replica takes it only once it has expired.
 * Time comes from the database clock, so replicas with skewed clocks agree.
 */
export class RunnerLease {
  constructor(
    private readonly db: Database,
    readonly name: string,
    readonly holder: string,
    private readonly ttlMs: number,
  ) {}

  /** Acquires or renews the lease; true while this replica holds it. */
  async tryAcquire(): Promise<boolean> {
    const { rows } = await this.db.query<{ holder: string }>(
      `INSERT INTO inspector_leases (name, holder, acquired_at, expires_at)
       VALUES ($1, $2, now(), now() + make_interval(secs => $3::double precision / 1000))
       ON CONFLICT (name) DO UPDATE SET
         holder = EXCLUDED.holder,
         acquired_at = CASE WHEN inspector_leases.holder = EXCLUDED.holder
                            THEN inspector_leases.acquired_at ELSE now() END,
         expires_at = EXCLUDED.expires_at
       WHERE inspector_leases.holder = EXCLUDED.holder OR inspector_leases.expires_at < now()
       RETURNING holder`,
      [this.name, this.holder, this.ttlMs],
    );
    return rows[0]?.holder === this.holder;
  }

  /** Gives the lease up at shutdown so another replica takes over at once. */
  async release(): Promise<void> {
    await this.db.query('DELETE FROM inspector_leases WHERE name = $1 AND holder = $2', [
      this.name,
      this.holder,
    ]);
  }
}
