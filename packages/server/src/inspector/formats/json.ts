import type { InspectionReport } from './report.js';

/** The whole result, for scripts: findings with evidence and remediation, summary, scores. */
export function formatJson(report: InspectionReport): string {
  const { findings, suppressed, summary, failures, rulesRun } = report.result;
  return `${JSON.stringify(
    {
      target: report.target,
      time: report.time,
      summary,
      findings,
      suppressed,
      rulesRun: rulesRun.length,
      failures,
      skipped: report.skipped ?? [],
    },
    null,
    2,
  )}\n`;
}
