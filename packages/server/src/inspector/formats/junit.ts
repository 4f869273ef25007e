import { CATEGORIES, atLeast, ruleById, type Finding } from '@kubeops/inspect';
import { describeResource, locationOf, type InspectionReport } from './report.js';

function xml(text: string): string {
  return (
    text
      // Characters XML 1.0 cannot carry at all.
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
  );
}

function failureText(report: InspectionReport, finding: Finding): string {
  const where = locationOf(report, finding);
  const lines = [
    finding.message,
    ...(where ? [`at ${where.file}:${where.line}`] : []),
    `severity: ${finding.severity}`,
    `fix: ${finding.remediation.summary}`,
    ...finding.remediation.steps.map((s) => `  - ${s}`),
  ];
  return lines.join('\n');
}

/**
 * JUnit XML as CI systems show test reports: a suite per category, a failing
 * case per finding (at or above --fail-on when given), and a passing case per
 * rule that found nothing, so the report also shows what was checked.
 */
export function formatJunit(report: InspectionReport): string {
  const { findings, rulesRun } = report.result;
  const suites: string[] = [];
  let totalTests = 0;
  let totalFailures = 0;
  for (const category of CATEGORIES) {
    const inCategory = findings.filter((f) => f.category === category);
    const cases: string[] = [];
    let failures = 0;
    for (const finding of inCategory) {
      const failing = !report.failOn || atLeast(finding.severity, report.failOn);
      const name = xml(`${finding.ruleId} ${describeResource(finding)}`);
      const body = xml(failureText(report, finding));
      if (failing) {
        failures++;
        cases.push(
          `    <testcase classname="kubeops.${category}.${xml(finding.ruleId)}" name="${name}">\n` +
            `      <failure type="${finding.severity}" message="${xml(finding.title)}">${body}</failure>\n` +
            `    </testcase>`,
        );
      } else {
        cases.push(
          `    <testcase classname="kubeops.${category}.${xml(finding.ruleId)}" name="${name}">\n` +
            `      <system-out>${body}</system-out>\n    </testcase>`,
        );
      }
    }
    const flagged = new Set(inCategory.map((f) => f.ruleId));
    for (const id of rulesRun) {
      if (flagged.has(id) || ruleById(id)?.category !== category) continue;
      cases.push(`    <testcase classname="kubeops.${category}.${xml(id)}" name="${xml(id)}"/>`);
    }
    if (cases.length === 0) continue;
    totalTests += cases.length;
    totalFailures += failures;
    suites.push(
      `  <testsuite name="kubeops ${category}" tests="${cases.length}" failures="${failures}" errors="0" skipped="0" timestamp="${xml(report.time)}">\n${cases.join('\n')}\n  </testsuite>`,
    );
  }
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuites name="${xml(`kubeops inspect ${report.target}`)}" tests="${totalTests}" failures="${totalFailures}" errors="0">\n` +
    `${suites.join('\n')}\n</testsuites>\n`
  );
}
