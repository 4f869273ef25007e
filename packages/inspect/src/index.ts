export type {
  KubeObject,
  ObjectMeta,
  OwnerReference,
  Snapshot,
  InspectOptions,
  MetricSeries,
  MetricPoint,
  MetricName,
  LogSample,
  LogLine,
  RecentChange,
  PriceSheet,
  RightSizingOptions,
  AnomalyOptions,
  Profile,
} from './snapshot.js';
export { PROFILES } from './options.js';
export {
  CATEGORIES,
  SEVERITIES,
  compareSeverity,
  atLeast,
  type Category,
  type Severity,
  type Finding,
  type Evidence,
  type Remediation,
  type ResourceRef,
} from './finding.js';
export type { Rule, RuleContext, FindingDraft } from './rule.js';
export { inProfile } from './rule.js';
export { ALL_RULES, ruleById } from './rules/index.js';
export {
  runInspection,
  fingerprintOf,
  type InspectionOptions,
  type InspectionResult,
  type RuleFailure,
  type RuleTiming,
} from './run.js';
export { summarize, type Summary } from './summary.js';
export {
  IGNORE_ANNOTATION,
  IGNORE_REASON_ANNOTATION,
  IGNORE_UNTIL_ANNOTATION,
  type Exemption,
  type AppliedExemption,
  type SuppressedFinding,
} from './exemptions.js';
export { SnapshotIndex } from './snapshot-index.js';
export { checkCronSchedule, type CronCheck } from './kube/cron.js';
export { parseQuantity } from './kube/fields.js';
export { DEFAULT_PRICE_SHEET, DEFAULT_PRODUCTION_NAMESPACES } from './options.js';
export { stableHash } from './hash.js';
export {
  SECRET_DETECTORS,
  findSecrets,
  secretShapeIn,
  shannonEntropy,
  looksRandom,
  type SecretDetector,
  type SecretMatch,
} from './secrets.js';
export {
  LogTemplateMiner,
  maskLine,
  isErrorLine,
  templateText,
  WILDCARD,
  type LogCluster,
  type DrainOptions,
} from './logs/drain.js';
export { errorLogTemplates } from './rules/logs/new-templates.js';
export {
  snapshotFromManifests,
  isClusterScoped,
  InvalidManifestError,
  type ManifestOptions,
} from './manifests.js';
export { markNamespaceDefaulted, namespaceWasDefaulted } from './kube/defaulted.js';
