import type { Rule } from '../../rule.js';
import { apiVersionRules } from './api-versions.js';
import { availabilityRules } from './availability.js';
import { imageRules } from './images.js';
import { labelRules } from './labels.js';
import { probeRules } from './probes.js';
import { resourceRules } from './resources.js';

export const configurationRules: Rule[] = [
  ...probeRules,
  ...resourceRules,
  ...imageRules,
  ...availabilityRules,
  ...apiVersionRules,
  ...labelRules,
];
