import { CATEGORIES, SEVERITIES } from '@kubeops/contracts';

// The vocabulary is the API's: one list serves the engine, the server and the console.
export { CATEGORIES, SEVERITIES };
export type Category = (typeof CATEGORIES)[number];
export type Severity = (typeof SEVERITIES)[number];

/** Positive when `a` is more severe than `b`. */
export function compareSeverity(a: Severity, b: Severity): number {
  return SEVERITIES.indexOf(b) - SEVERITIES.indexOf(a);
}

export function atLeast(severity: Severity, threshold: Severity): boolean {
  return compareSeverity(severity, threshold) >= 0;
}

export interface ResourceRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  uid?: string;
}

export interface Evidence {
  type: 'field' | 'event' | 'log' | 'metric' | 'object';
  /** JSON-path-like location of a field, e.g. spec.containers[app].image. */
  path?: string;
  value?: unknown;
  text?: string;
}

export interface Remediation {
  summary: string;
  steps: string[];
  /** A JSON merge patch (or strategic merge patch for lists keyed by name) that fixes the problem. */
  patch?: {
    type: 'merge' | 'strategic';
    /** The object to patch when it is not the finding's resource (a Pod's owning Deployment). */
    target?: ResourceRef;
    body: Record<string, unknown>;
  };
  /** An object to create when the fix is a new object (a PodDisruptionBudget, a NetworkPolicy). */
  create?: Record<string, unknown>;
}

export interface Finding {
  /** Stable across runs for the same rule, resource and detail. */
  fingerprint: string;
  ruleId: string;
  category: Category;
  severity: Severity;
  resource: ResourceRef;
  title: string;
  message: string;
  evidence: Evidence[];
  remediation: Remediation;
}
