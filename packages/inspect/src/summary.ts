import { CATEGORIES, SEVERITIES, type Category, type Finding, type Severity } from './finding.js';

export interface Summary {
  total: number;
  bySeverity: Record<Severity, number>;
  byCategory: Record<Category, Record<Severity, number>>;
  /** 0-100 per category; 100 means nothing was found. */
  scores: Record<Category, number>;
  overall: number;
}

/** How much one finding of each severity weighs against the score. */
const SEVERITY_WEIGHT: Record<Severity, number> = {
  critical: 10,
  high: 5,
  warning: 2,
  low: 0.5,
  info: 0,
};

/** Categories that hurt users directly count more in the overall score. */
const CATEGORY_WEIGHT: Record<Category, number> = {
  reliability: 3,
  security: 3,
  configuration: 2,
  anomaly: 2,
  cost: 1,
  logs: 1,
};

function zeroSeverities(): Record<Severity, number> {
  return Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
}

/**
 * Scores fall smoothly as weighted findings grow relative to the size of the
 * snapshot: one critical finding among ten objects hurts much more than among
 * ten thousand, and the score never reaches zero from a single finding type.
 */
export function summarize(findings: Finding[], objectCount: number): Summary {
  const bySeverity = zeroSeverities();
  const byCategory = Object.fromEntries(CATEGORIES.map((c) => [c, zeroSeverities()])) as Record<
    Category,
    Record<Severity, number>
  >;
  const penalty = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  for (const finding of findings) {
    bySeverity[finding.severity]++;
    byCategory[finding.category][finding.severity]++;
    penalty[finding.category] += SEVERITY_WEIGHT[finding.severity];
  }
  const size = Math.max(objectCount, 1);
  const scores = Object.fromEntries(
    // Floor, so that any weighted finding keeps a category below a perfect 100.
    CATEGORIES.map((c) => [c, Math.floor((100 * size) / (size + penalty[c]))]),
  ) as Record<Category, number>;
  let weighted = 0;
  let weights = 0;
  for (const c of CATEGORIES) {
    weighted += scores[c] * CATEGORY_WEIGHT[c];
    weights += CATEGORY_WEIGHT[c];
  }
  return {
    total: findings.length,
    bySeverity,
    byCategory,
    scores,
    overall: Math.floor(weighted / weights),
  };
}
