import type { Rule } from '../../rule.js';
import { admissionRules } from './admission.js';
import { admissionPolicyRules } from './admission-policies.js';
import { autoscalingRules } from './autoscaling.js';
import { conditionRules } from './conditions.js';
import { hpaAvailabilityRules } from './hpa-availability.js';
import { ingressRules } from './ingress.js';
import { ingressFieldRules } from './ingress-fields.js';
import { jobRules } from './jobs.js';
import { nodeRules } from './nodes.js';
import { persistentVolumeRules } from './persistent-volumes.js';
import { podRules } from './pods.js';
import { referenceKeyRules } from './reference-keys.js';
import { referenceRules } from './references.js';
import { serviceRules } from './services.js';
import { storageRules } from './storage.js';
import { webhookReadinessRules } from './webhook-readiness.js';
import { workloadRules } from './workloads.js';

export const reliabilityRules: Rule[] = [
  ...podRules,
  ...workloadRules,
  ...jobRules,
  ...serviceRules,
  ...ingressRules,
  ...ingressFieldRules,
  ...storageRules,
  ...persistentVolumeRules,
  ...nodeRules,
  ...admissionRules,
  ...webhookReadinessRules,
  ...admissionPolicyRules,
  ...autoscalingRules,
  ...hpaAvailabilityRules,
  ...referenceRules,
  ...referenceKeyRules,
  ...conditionRules,
];
