import type { Rule } from '../../rule.js';
import { admissionRules } from './admission.js';
import { autoscalingRules } from './autoscaling.js';
import { conditionRules } from './conditions.js';
import { ingressRules } from './ingress.js';
import { jobRules } from './jobs.js';
import { nodeRules } from './nodes.js';
import { podRules } from './pods.js';
import { referenceRules } from './references.js';
import { serviceRules } from './services.js';
import { storageRules } from './storage.js';
import { workloadRules } from './workloads.js';

export const reliabilityRules: Rule[] = [
  ...podRules,
  ...workloadRules,
  ...jobRules,
  ...serviceRules,
  ...ingressRules,
  ...storageRules,
  ...nodeRules,
  ...admissionRules,
  ...autoscalingRules,
  ...referenceRules,
  ...conditionRules,
];
