import type { Finding } from '@kubeops/inspect';
import type { ExpectedFinding } from './planted-manifests.js';

export interface CaseOutcome {
  id: string;
  missed: ExpectedFinding[];
  unexpected: Finding[];
  matched: number;
}

export interface CorpusScore {
  recall: number;
  precision: number;
  expected: number;
  reported: number;
  matched: number;
  cases: CaseOutcome[];
}

const key = (rule: string, kind: string, name: string) => `${rule} ${kind}/${name}`;

/** A name ending in `*` matches by prefix: pods of a workload get generated names. */
function matches(expected: ExpectedFinding, finding: Finding): boolean {
  if (expected.rule !== finding.ruleId || expected.kind !== finding.resource.kind) return false;
  return expected.name.endsWith('*')
    ? finding.resource.name.startsWith(expected.name.slice(0, -1))
    : expected.name === finding.resource.name;
}

/**
 * Compares what the engine reported with what each planted fault must
 * produce: an expectation is met by at least one matching finding, and a
 * finding matching no expectation is a false alarm.
 */
export function scoreCase(
  id: string,
  expected: ExpectedFinding[],
  findings: Finding[],
): CaseOutcome {
  const missed = expected.filter((e) => !findings.some((f) => matches(e, f)));
  return {
    id,
    matched: expected.length - missed.length,
    missed,
    unexpected: findings.filter((f) => !expected.some((e) => matches(e, f))),
  };
}

export function scoreCorpus(cases: CaseOutcome[]): CorpusScore {
  const matched = cases.reduce((n, c) => n + c.matched, 0);
  const expected = matched + cases.reduce((n, c) => n + c.missed.length, 0);
  const reported = matched + cases.reduce((n, c) => n + c.unexpected.length, 0);
  return {
    recall: expected ? matched / expected : 1,
    precision: reported ? matched / reported : 1,
    expected,
    reported,
    matched,
    cases,
  };
}

/** Prints the figures and every miss or false alarm, so a drop says which case caused it. */
export function printScore(title: string, score: CorpusScore): void {
  const lines = [
    `${title}: recall ${score.recall.toFixed(3)} (${score.matched}/${score.expected}), precision ${score.precision.toFixed(3)} (${score.matched}/${score.reported})`,
  ];
  for (const c of score.cases) {
    for (const m of c.missed) lines.push(`  missed   [${c.id}] ${key(m.rule, m.kind, m.name)}`);
    for (const f of c.unexpected) {
      lines.push(
        `  extra    [${c.id}] ${key(f.ruleId, f.resource.kind, f.resource.name)}: ${f.message}`,
      );
    }
  }
  console.log(lines.join('\n'));
}
