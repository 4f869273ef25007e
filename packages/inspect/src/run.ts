import {
  CATEGORIES,
  SEVERITIES,
  atLeast,
  type Finding,
  type ResourceRef,
  type Severity,
} from './finding.js';
import { ChangeLog } from './changes.js';
import { ExemptionMatcher, type Exemption, type SuppressedFinding } from './exemptions.js';
import { globMatch } from './glob.js';
import { groupOf, refOf } from './kube/fields.js';
import { hashParts } from './hash.js';
import { resolveOptions } from './options.js';
import { createContext, inProfile, type FindingDraft, type Rule } from './rule.js';
import { ALL_RULES } from './rules/index.js';
import { SnapshotIndex } from './snapshot-index.js';
import type { KubeObject, Profile, Snapshot } from './snapshot.js';
import { summarize, type Summary } from './summary.js';

export interface InspectionOptions {
  /**
   * Rule ids (globs allowed) to run, or rule objects; by default every
   * built-in rule of the snapshot's profile. A rule named by its exact id
   * runs whatever the profile; a glob selects within the profile.
   */
  rules?: Array<string | Rule>;
  exemptions?: Exemption[];
  /** Findings below this severity are left out of the result. */
  minSeverity?: Severity;
  /** Called after each rule with its timing (a benchmark samples memory here). */
  onRule?: (timing: RuleTiming) => void;
}

/** What one rule cost: slow rules show up here rather than in a profiler. */
export interface RuleTiming {
  ruleId: string;
  /** Time in the rule and in turning its drafts into findings. */
  ms: number;
  findings: number;
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
  /** Per rule, in the order they ran. */
  ruleTimings: RuleTiming[];
}

/** The resource a draft names, as a plain reference. */
function resourceOf(draft: FindingDraft): ResourceRef {
  return 'metadata' in draft.object ? refOf(draft.object) : draft.object;
}

export function fingerprintOf(ruleId: string, draft: FindingDraft): string {
  return fingerprintFor(ruleId, resourceOf(draft), draft.detail);
}

function fingerprintFor(ruleId: string, ref: ResourceRef, detail: string | undefined): string {
  return hashParts([
    ruleId,
    groupOf(ref.apiVersion),
    ref.kind,
    ref.namespace ?? '',
    ref.name,
    detail ?? '',
  ]);
}

function selectRules(selection: Array<string | Rule> | undefined, profile: Profile): Rule[] {
  const profiled = ALL_RULES.filter((r) => inProfile(r, profile));
  if (!selection) return profiled;
  const out: Rule[] = [];
  for (const entry of selection) {
    if (typeof entry !== 'string') out.push(entry);
    else {
      const exact = ALL_RULES.find((r) => r.id === entry);
      out.push(...(exact ? [exact] : profiled.filter((r) => globMatch(entry, r.id))));
    }
  }
  return [...new Set(out)];
}

function toFinding(rule: Rule, draft: FindingDraft): Finding {
  const resource = resourceOf(draft);
  return {
    fingerprint: fingerprintFor(rule.id, resource, draft.detail),
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

const CATEGORY_ORDER = new Map<string, number>(CATEGORIES.map((c, i) => [c, i]));
const SEVERITY_ORDER = new Map<string, number>(SEVERITIES.map((s, i) => [s, i]));

/** Code-unit order: deterministic everywhere and much cheaper than localeCompare. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byImportance(a: Finding, b: Finding): number {
  return (
    SEVERITY_ORDER.get(a.severity)! - SEVERITY_ORDER.get(b.severity)! ||
    CATEGORY_ORDER.get(a.category)! - CATEGORY_ORDER.get(b.category)! ||
    compareText(a.ruleId, b.ruleId) ||
    compareText(a.resource.namespace ?? '', b.resource.namespace ?? '') ||
    compareText(a.resource.kind, b.resource.kind) ||
    compareText(a.resource.name, b.resource.name) ||
    compareText(a.fingerprint, b.fingerprint)
  );
}

/** Timings only; rules never see the clock. Date is the fallback where performance is missing. */
const clock: { now(): number } =
  (globalThis as { performance?: { now(): number } }).performance ?? Date;

/** Runs the rules over a snapshot: the one entry point of the engine. */
export function runInspection(
  snapshot: Snapshot,
  options: InspectionOptions = {},
): InspectionResult {
  if (options.minSeverity !== undefined && !SEVERITIES.includes(options.minSeverity)) {
    throw new RangeError(`minSeverity must be one of ${SEVERITIES.join(', ')}`);
  }
  const index = new SnapshotIndex(snapshot);
  const resolved = resolveOptions(snapshot.options);
  const context = createContext(index, resolved);
  const exemptions = new ExemptionMatcher(options.exemptions ?? [], index);
  const rules = selectRules(options.rules, resolved.profile);
  const changes = new ChangeLog(snapshot.changes ?? [], index);

  const findings: Finding[] = [];
  const suppressed: SuppressedFinding[] = [];
  const failures: RuleFailure[] = [];
  const ruleTimings: RuleTiming[] = [];
  const seen = new Set<string>();
  for (const rule of rules) {
    const started = clock.now();
    let drafts: FindingDraft[];
    try {
      drafts = rule.check(context);
    } catch (error) {
      failures.push({
        ruleId: rule.id,
        message: error instanceof Error ? error.message : String(error),
      });
      drafts = [];
    }
    let kept = 0;
    for (const draft of drafts) {
      const finding = toFinding(rule, draft);
      if (seen.has(finding.fingerprint)) continue;
      seen.add(finding.fingerprint);
      kept++;
      const object: KubeObject | undefined =
        'metadata' in draft.object
          ? draft.object
          : index.get(draft.object.kind, draft.object.namespace, draft.object.name);
      const changed = changes.evidenceFor(finding.category, object);
      if (changed.length > 0) finding.evidence.push(...changed);
      const exemption = exemptions.match(finding, object);
      if (exemption) suppressed.push({ finding, exemption });
      else if (
        options.minSeverity === undefined ||
        atLeast(finding.severity, options.minSeverity)
      ) {
        findings.push(finding);
      }
    }
    const timing = { ruleId: rule.id, ms: clock.now() - started, findings: kept };
    ruleTimings.push(timing);
    options.onRule?.(timing);
  }
  findings.sort(byImportance);
  return {
    findings,
    suppressed,
    expiredExemptions: exemptions.expired.map((e) => e.id),
    summary: summarize(findings, snapshot.objects.length),
    rulesRun: rules.map((r) => r.id),
    failures,
    ruleTimings,
  };
}
