import { CATEGORIES } from '@kubeops/inspect';
import { describeResource, type InspectionReport } from './report.js';

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** A plain text table for a terminal: one line per finding, then the scores. */
export function formatTable(report: InspectionReport): string {
  const { findings, summary } = report.result;
  const lines: string[] = [`Inspection of ${report.target} at ${report.time}`, ''];
  if (findings.length === 0) {
    lines.push('No findings.');
  } else {
    const rows = findings.map((f) => [
      f.severity.toUpperCase(),
      f.category,
      f.ruleId,
      describeResource(f),
      f.message.replace(/\s+/g, ' '),
    ]);
    const header = ['SEVERITY', 'CATEGORY', 'RULE', 'RESOURCE', 'MESSAGE'];
    const widths = header.map((h, i) =>
      i === header.length - 1 ? 0 : Math.max(h.length, ...rows.map((r) => r[i]!.length)),
    );
    for (const row of [header, ...rows]) {
      lines.push(row.map((cell, i) => (widths[i] ? pad(cell, widths[i]) : cell)).join('  '));
    }
  }
  lines.push('');
  const counts = Object.entries(summary.bySeverity)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  lines.push(`${summary.total} findings${counts.length ? ` (${counts.join(', ')})` : ''}`);
  lines.push(
    `Scores: overall ${summary.overall}, ${CATEGORIES.map((c) => `${c} ${summary.scores[c]}`).join(', ')}`,
  );
  const suppressed = report.result.suppressed.length;
  if (suppressed) lines.push(`${suppressed} findings exempted`);
  for (const skip of report.skipped ?? [])
    lines.push(`Not inspected: ${skip.kind} (${skip.reason})`);
  for (const failure of report.result.failures) {
    lines.push(`Rule ${failure.ruleId} failed: ${failure.message}`);
  }
  return `${lines.join('\n')}\n`;
}
