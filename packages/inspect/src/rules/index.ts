import type { Rule } from '../rule.js';
import { anomalyRules } from './anomaly/anomalies.js';
import { costRules } from './cost/right-sizing.js';
import { logRules } from './logs/new-templates.js';
import { configurationRules } from './configuration/index.js';
import { reliabilityRules } from './reliability/index.js';
import { securityRules } from './security/index.js';

/** Every built-in rule, in the order they run. */
export const ALL_RULES: Rule[] = [
  ...reliabilityRules,
  ...configurationRules,
  ...securityRules,
  ...costRules,
  ...anomalyRules,
  ...logRules,
];

const ids = new Set<string>();
for (const rule of ALL_RULES) {
  if (ids.has(rule.id)) throw new Error(`duplicate rule id ${rule.id}`);
  ids.add(rule.id);
}

export function ruleById(id: string): Rule | undefined {
  return ALL_RULES.find((r) => r.id === id);
}
