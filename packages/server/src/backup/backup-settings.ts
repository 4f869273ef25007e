import { Cron } from 'croner';

/** Whether backup.schedule and backup.timezone make a schedule, as config problems. */
export function backupScheduleProblems(backup: {
  schedule?: string | undefined;
  timezone: string;
}): Array<{ key: string; message: string }> {
  if (!backup.schedule) return [];
  try {
    const cron = new Cron(backup.schedule, { timezone: backup.timezone, paused: true });
    // A wrong time zone shows only once a time is computed.
    cron.nextRun();
    cron.stop();
    return [];
  } catch (error) {
    return [
      {
        key: 'backup.schedule',
        message: `is not a cron schedule (e.g. "0 3 * * *") in time zone ${backup.timezone}: ${(error as Error).message}`,
      },
    ];
  }
}
