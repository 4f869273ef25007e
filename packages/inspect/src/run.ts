import {
  CATEGORIES,
  SEVERITIES,
  atLeast,
  compareSeverity,
  type Finding,
  type Severity,
} from './finding.js';
import { ChangeLog } from './changes.js';
import { ExemptionMatcher, type Exemption, type SuppressedFinding } from './exemptions.js';
import { globMatch } from './glob.js';
import { groupOf, refOf } from './kube/fields.js';
import { stableHash } from './hash.js';
import { resolveOptions } from './options.js';
import { createContext, type FindingDraft, type Rule } from './rule.js';
import { ALL_RULES } from './rules/index.js';
import { SnapshotIndex } from './snapshot-index.js';
import type { KubeObject, Snapshot } from './snapshot.js';
import { summarize, type Summary } from './summary.js';

export interface InspectionOptions {
  /** Rule ids (globs allowed) to run, or rule objects; all built-in rules by default. */
  rules?: Array<string | Rule>;
  exemptions?: Exemption[];
  /** Findings below this severity are left out of the result. */
  minSeverity?: Severity;
}

export interface RuleFailure {
  ruleId: string;
  message: string;
}

export interface InspectionResult {
  findings: Finding[];
  suppressed: SuppressedFinding[];
  /** Exemptions that no longer apply because their expiry passed. */
  expiredExemptions: string[];
  summary: Summary;
  rulesRun: string[];
  /** A rule that throws on unusual input is reported here; the others still run. */
  failures: RuleFailure[];
}

export function fingerprintOf(ruleId: string, draft: FindingDraft): string {
  const ref = 'metadata' in draft.object ? refOf(draft.object) : draft.object;
  return stableHash(
    [
      ruleId,
      groupOf(ref.apiVersion),
      ref.kind,
      ref.namespace ?? '',
      ref.name,
      draft.detail ?? '',
    ].join('\u0000'),
  );
}

function selectRules(selection: Array<string | Rule> | undefined): Rule[] {
  if (!selection) return ALL_RULES;
  const out: Rule[] = [];
  for (const entry of selection) {
    if (typeof entry !== 'string') out.push(entry);
    else out.push(...ALL_RULES.filter((r) => globMatch(entry, r.id)));
  }
  return [...new Set(out)];
}

function toFinding(rule: Rule, draft: FindingDraft): Finding {
  const resource = 'metadata' in draft.object ? refOf(draft.object) : draft.object;
  return {
    fingerprint: fingerprintOf(rule.id, draft),
    ruleId: rule.id,
    category: rule.category,
    severity: draft.severity ?? rule.defaultSeverity,
    resource,
    title: draft.title ?? rule.title,
    message: draft.message,
    evidence: draft.evidence ?? [],
    remediation: draft.remediation,
  };
}

function byImportance(a: Finding, b: Finding): number {
  return (
    compareSeverity(b.severity, a.severity) ||
    CATEGORIES.indexOf(a.category) - CATEGORIES.indexOf(b.category) ||
    a.ruleId.localeCompare(b.ruleId) ||
    (a.resource.namespace ?? '').localeCompare(b.resource.namespace ?? '') ||
    a.resource.kind.localeCompare(b.resource.kind) ||
    a.resource.name.localeCompare(b.resource.name) ||
    a.fingerprint.localeCompare(b.fingerprint)
  );
}

/** Runs the rules over a snapshot: the one entry point of the engine. */
export function runInspection(
  snapshot: Snapshot,
  options: InspectionOptions = {},
): InspectionResult {
  if (options.minSeverity !== undefined && !SEVERITIES.includes(options.minSeverity)) {
    throw new RangeError(`minSeverity must be one of ${SEVERITIES.join(', ')}`);
  }
  const index = new SnapshotIndex(snapshot);
  const context = createContext(index, resolveOptions(snapshot.options));
  const exemptions = new ExemptionMatcher(options.exemptions ?? [], index);
  const rules = selectRules(options.rules);
  const changes = new ChangeLog(snapshot.changes ?? [], index);

  const findings: Finding[] = [];
  const suppressed: SuppressedFinding[] = [];
  const failures: RuleFailure[] = [];
  const seen = new Set<string>();
  for (const rule of rules) {
    let drafts: FindingDraft[];
    try {
      drafts = rule.check(context);
    } catch (error) {
      failures.push({
        ruleId: rule.id,
        message: error instanceof Error ? error.message : String(error),
      });
      continue;
    }
    for (const draft of drafts) {
      const finding = toFinding(rule, draft);
      if (seen.has(finding.fingerprint)) continue;
      seen.add(finding.fingerprint);
      const object: KubeObject | undefined =
        'metadata' in draft.object
          ? draft.object
          : index.get(draft.object.kind, draft.object.namespace, draft.object.name);
      finding.evidence.push(...changes.evidenceFor(finding.category, object));
      const exemption = exemptions.match(finding, object);
      if (exemption) suppressed.push({ finding, exemption });
      else if (
        options.minSeverity === undefined ||
        atLeast(finding.severity, options.minSeverity)
      ) {
        findings.push(finding);
      }
    }
  }
  findings.sort(byImportance);
  return {
    findings,
    suppressed,
    expiredExemptions: exemptions.expired.map((e) => e.id),
    summary: summarize(findings, snapshot.objects.length),
    rulesRun: rules.map((r) => r.id),
    failures,
  };
}
