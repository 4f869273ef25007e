import type { Rule } from '../../rule.js';
import { credentialRules } from './credentials.js';
import { hostProcessRules } from './host-process.js';
import { ingressTlsRules } from './ingress-tls.js';
import { networkPeerRules } from './network-peers.js';
import { sysctlRules } from './sysctls.js';
import { networkRules } from './network.js';
import { networkCoverageRules } from './network-coverage.js';
import { podSecurityRules } from './pod-security.js';
import { procMountRules } from './proc-mount.js';
import { rbacRules } from './rbac.js';

export const securityRules: Rule[] = [
  ...podSecurityRules,
  ...procMountRules,
  ...hostProcessRules,
  ...credentialRules,
  ...networkRules,
  ...networkCoverageRules,
  ...ingressTlsRules,
  ...networkPeerRules,
  ...sysctlRules,
  ...rbacRules,
];
