import type * as Sarif from 'sarif';
import { ruleById, type Finding, type Severity } from '@kubeops/inspect';
import { describeResource, locationOf, type InspectionReport } from './report.js';

const LEVEL: Record<Severity, Sarif.ReportingConfiguration.level> = {
  critical: 'error',
  high: 'error',
  warning: 'warning',
  low: 'note',
  info: 'note',
};

// GitHub code scanning ranks results by this 0-10 figure.
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  warning: '5.5',
  low: '3.0',
  info: '0.0',
};

function sarifRule(id: string): Sarif.ReportingDescriptor {
  const rule = ruleById(id);
  if (!rule) return { id, shortDescription: { text: id } };
  return {
    id,
    name: rule.title,
    shortDescription: { text: rule.title },
    fullDescription: { text: rule.description },
    defaultConfiguration: { level: LEVEL[rule.defaultSeverity] },
    properties: {
      category: rule.category,
      tags: [rule.category, 'kubernetes'],
      'security-severity': SECURITY_SEVERITY[rule.defaultSeverity],
    },
  };
}

function sarifResult(report: InspectionReport, finding: Finding, ruleIndex: number): Sarif.Result {
  const where = locationOf(report, finding);
  const location: Sarif.Location = {
    logicalLocations: [
      {
        name: finding.resource.name,
        fullyQualifiedName: describeResource(finding),
        kind: 'resource',
      },
    ],
  };
  if (where) {
    location.physicalLocation = {
      artifactLocation: { uri: where.file.split('\\').join('/') },
      region: { startLine: where.line },
    };
  }
  return {
    ruleId: finding.ruleId,
    ruleIndex,
    level: LEVEL[finding.severity],
    message: { text: `${describeResource(finding)}: ${finding.message}` },
    locations: [location],
    partialFingerprints: { 'kubeops/v1': finding.fingerprint },
    properties: {
      severity: finding.severity,
      category: finding.category,
      resource: finding.resource,
      remediation: finding.remediation.summary,
      'security-severity': SECURITY_SEVERITY[finding.severity],
    },
  };
}

/** A SARIF 2.1.0 log: every rule that ran, and one result per finding. */
export function toSarif(report: InspectionReport): Sarif.Log {
  const ruleIds = [
    ...new Set([...report.result.rulesRun, ...report.result.findings.map((f) => f.ruleId)]),
  ];
  const indexOf = new Map(ruleIds.map((id, i) => [id, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'KubeOps',
            fullName: 'KubeOps inspect',
            version: '0.1.0',
            informationUri: 'https://github.com/kubeops/kubeops',
            rules: ruleIds.map(sarifRule),
          },
        },
        invocations: [
          {
            executionSuccessful: report.result.failures.length === 0,
            endTimeUtc: report.time,
            toolExecutionNotifications: report.result.failures.map((f) => ({
              level: 'error' as const,
              message: { text: `rule ${f.ruleId} failed: ${f.message}` },
            })),
          },
        ],
        results: report.result.findings.map((f) => sarifResult(report, f, indexOf.get(f.ruleId)!)),
      },
    ],
  };
}

export function formatSarif(report: InspectionReport): string {
  return `${JSON.stringify(toSarif(report), null, 2)}\n`;
}
