import type { Rule } from '../../rule.js';
import { antiAffinityRules } from './anti-affinity.js';
import { apiVersionRules } from './api-versions.js';
import { availabilityRules } from './availability.js';
import { batchSettingRules } from './batch-settings.js';
import { disruptionRules } from './disruption.js';
import { emptyConfigMapRules } from './empty-configmaps.js';
import { envRules } from './env.js';
import { ephemeralStorageRules } from './ephemeral-storage.js';
import { namespaceRules } from './namespaces.js';
import { portRules } from './ports.js';
import { probeTargetRules } from './probe-targets.js';
import { requestsEqualLimitsRules } from './requests-equal-limits.js';
import { selectorRules } from './selectors.js';
import { serviceAccountRules } from './service-accounts.js';
import { serviceTypeRules } from './service-type.js';
import { strategyRules } from './strategy.js';
import { topologyRules } from './topology.js';
import { imageRules } from './images.js';
import { instanceLabelRules } from './instance-label.js';
import { labelRules } from './labels.js';
import { priorityClassRules } from './priority-class.js';
import { probeRules } from './probes.js';
import { resourceRules } from './resources.js';

export const configurationRules: Rule[] = [
  ...probeRules,
  ...resourceRules,
  ...imageRules,
  ...availabilityRules,
  ...apiVersionRules,
  ...labelRules,
  ...disruptionRules,
  ...batchSettingRules,
  ...envRules,
  ...ephemeralStorageRules,
  ...namespaceRules,
  ...portRules,
  ...probeTargetRules,
  ...requestsEqualLimitsRules,
  ...selectorRules,
  ...serviceAccountRules,
  ...serviceTypeRules,
  ...strategyRules,
  ...topologyRules,
  ...priorityClassRules,
  ...emptyConfigMapRules,
  ...instanceLabelRules,
  ...antiAffinityRules,
];
