import type { Rule } from '../../rule.js';
import { credentialRules } from './credentials.js';
import { networkPeerRules } from './network-peers.js';
import { sysctlRules } from './sysctls.js';
import { networkRules } from './network.js';
import { podSecurityRules } from './pod-security.js';
import { rbacRules } from './rbac.js';

export const securityRules: Rule[] = [
  ...podSecurityRules,
  ...credentialRules,
  ...networkRules,
  ...networkPeerRules,
  ...sysctlRules,
  ...rbacRules,
];
