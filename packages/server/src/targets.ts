import type { ServerContext } from './context.js';
import { changeCaptureComponent } from './cdc/cdc-module.js';
import { inspectionRunnerComponent } from './inspector/inspector-module.js';
import { scheduledBackupComponent } from './backup/backup-schedule.js';

/** A background part of the cdc or inspector target (a watcher, a scheduler). */
export interface TargetComponent {
  name: string;
  /** Starts work; the returned function stops it (called on shutdown). */
  start(ctx: ServerContext): Promise<() => Promise<void>>;
}

/**
 * What each non-HTTP target runs. The cdc and inspector modules add their
 * components here; `kubeops serve --target=cdc` starts the cdc list, `all` starts both.
 */
export const TARGET_COMPONENTS: Record<'cdc' | 'inspector', TargetComponent[]> = {
  cdc: [changeCaptureComponent],
  inspector: [inspectionRunnerComponent, scheduledBackupComponent],
};
