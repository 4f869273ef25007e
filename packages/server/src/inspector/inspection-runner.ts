import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '../core/logging.js';
import type { EventBus } from '../core/bus.js';
import type { RunExecutor } from './run-executor.js';
import { RunnerLease } from './store/runner-lease.js';
import type { RunStore } from './store/run-store.js';
import type { Database } from '../store/database.js';

export const RUN_QUEUED_SUBJECT = 'inspector.run.queued';
const LEASE_NAME = 'inspection-runner';

export interface RunnerOptions {
  /** Identity in the lease row; host name + random suffix by default. */
  holder?: string;
  pollMs?: number;
  leaseTtlMs?: number;
  /** Runs executed per tick before the lease is renewed again. */
  runsPerTick?: number;
}

export interface TickReport {
  leader: boolean;
  scheduled: string[];
  executed: string[];
}

/**
 * The inspector target's loop. Every replica ticks; only the lease holder
 * queues scheduled runs and executes queued ones, so exactly one replica
 * inspects at a time. The API queues on-demand runs in the database (and
 * publishes on the bus so a runner in the same process starts at once).
 */
export class InspectionRunner {
  readonly lease: RunnerLease;
  private leader = false;
  private running: Promise<TickReport> | undefined;
  private readonly pollMs: number;
  private readonly runsPerTick: number;

  constructor(
    db: Database,
    private readonly runs: RunStore,
    private readonly executor: RunExecutor,
    private readonly logger: Logger,
    options: RunnerOptions = {},
  ) {
    const holder =
      options.holder ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.lease = new RunnerLease(db, LEASE_NAME, holder, options.leaseTtlMs ?? 30_000);
    this.pollMs = options.pollMs ?? 5_000;
    this.runsPerTick = options.runsPerTick ?? 5;
  }

  get holder(): string {
    return this.lease.holder;
  }

  get isLeader(): boolean {
    return this.leader;
  }

  /** One pass; concurrent calls share the pass in progress. */
  tick(now: () => Date = () => new Date()): Promise<TickReport> {
    this.running ??= this.pass(now).finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(now: () => Date): Promise<TickReport> {
    const report: TickReport = { leader: false, scheduled: [], executed: [] };
    const wasLeader = this.leader;
    this.leader = await this.lease.tryAcquire();
    report.leader = this.leader;
    if (!this.leader) return report;
    if (!wasLeader) {
      const abandoned = await this.runs.failAbandoned(this.holder);
      this.logger.info({ holder: this.holder, abandoned }, 'inspection runner took the lease');
    }
    report.scheduled = (await this.runs.enqueueDue(now())).map((r) => r.id);
    for (let i = 0; i < this.runsPerTick; i++) {
      if (i > 0 && !(await this.lease.tryAcquire())) {
        this.leader = false;
        break;
      }
      const run = await this.runs.claimNext(this.holder);
      if (!run) break;
      report.executed.push(run.id);
      const renew = setInterval(
        () => void this.lease.tryAcquire().catch(() => undefined),
        this.pollMs,
      );
      try {
        const done = await this.executor.execute(run, this.holder);
        this.logger.info(
          {
            run: run.id,
            cluster: run.cluster,
            findings: done.findings,
            new: done.newCount,
            resolved: done.resolvedCount,
          },
          'inspection run finished',
        );
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.logger.warn(
          { run: run.id, cluster: run.cluster, err: message },
          'inspection run failed',
        );
        await this.runs.fail(run.id, this.holder, message);
      } finally {
        clearInterval(renew);
      }
    }
    return report;
  }

  /** Starts ticking; the returned function stops and gives up the lease. */
  start(bus?: EventBus): () => Promise<void> {
    const tick = () =>
      void this.tick().catch((error: unknown) =>
        this.logger.error({ err: error }, 'inspection runner tick failed'),
      );
    const timer = setInterval(tick, this.pollMs);
    timer.unref();
    const unsubscribe = bus?.subscribe(RUN_QUEUED_SUBJECT, tick);
    tick();
    return async () => {
      clearInterval(timer);
      unsubscribe?.();
      await this.running?.catch(() => undefined);
      if (this.leader) await this.lease.release().catch(() => undefined);
      this.leader = false;
    };
  }
}
