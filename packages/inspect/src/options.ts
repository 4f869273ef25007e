import { PROFILES } from '@kubeops/contracts';
import type {
  AnomalyOptions,
  InspectOptions,
  PriceSheet,
  Profile,
  RightSizingOptions,
} from './snapshot.js';

export { PROFILES };

export interface ResolvedOptions {
  profile: Profile;
  systemNamespaces: string[];
  productionNamespaces: string[];
  productionLabels: Record<string, string>;
  priceSheet: PriceSheet;
  logBaselineTemplates: string[] | undefined;
  rightSizing: RightSizingOptions;
  anomaly: AnomalyOptions;
}

/** Namespaces that look like production when the caller does not say. */
export const DEFAULT_PRODUCTION_NAMESPACES = [
  'prod',
  'production',
  'prod-*',
  '*-prod',
  '*-production',
];

/** Namespaces of the platform itself, where privileged pods are expected. */
export const DEFAULT_SYSTEM_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease'];

/** Public on-demand list prices of a general-purpose instance family (USD), as a neutral default. */
export const DEFAULT_PRICE_SHEET: PriceSheet = {
  currency: 'USD',
  cpuCoreHour: 0.031611,
  memoryGiBHour: 0.004237,
  hoursPerMonth: 730,
};

export const DEFAULT_RIGHT_SIZING: RightSizingOptions = {
  cpuPercentile: 90,
  memoryPercentile: 95,
  safetyMargin: 1.15,
  overProvisionFactor: 1.5,
  minSamples: 12,
  minCpuCores: 0.05,
  minMemoryBytes: 64 * 2 ** 20,
};

export const DEFAULT_ANOMALY: AnomalyOptions = {
  restartWindowMinutes: 60,
  restartSpikeMinimum: 3,
  restartSpikeFactor: 3,
  memoryHorizonHours: 72,
  memoryMinFit: 0.6,
  throttlingWarnRatio: 0.25,
  throttlingHighRatio: 0.5,
};

export function resolveOptions(options: InspectOptions = {}): ResolvedOptions {
  const explicit =
    options.productionNamespaces !== undefined || options.productionLabels !== undefined;
  const profile = options.profile ?? 'default';
  if (!PROFILES.includes(profile)) {
    throw new RangeError(`profile must be one of ${PROFILES.join(', ')}`);
  }
  return {
    profile,
    systemNamespaces: options.systemNamespaces ?? DEFAULT_SYSTEM_NAMESPACES,
    productionNamespaces:
      options.productionNamespaces ?? (explicit ? [] : DEFAULT_PRODUCTION_NAMESPACES),
    productionLabels: options.productionLabels ?? {},
    priceSheet: { ...DEFAULT_PRICE_SHEET, ...options.priceSheet },
    logBaselineTemplates: options.logBaselineTemplates,
    rightSizing: { ...DEFAULT_RIGHT_SIZING, ...options.rightSizing },
    anomaly: { ...DEFAULT_ANOMALY, ...options.anomaly },
  };
}
