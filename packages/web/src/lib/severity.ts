/** Element Plus tag colour for a finding's severity. */
export const severityType = (severity: string): 'danger' | 'warning' | 'info' =>
  severity === 'critical' || severity === 'high'
    ? 'danger'
    : severity === 'warning'
      ? 'warning'
      : 'info';
