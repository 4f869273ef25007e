import { api } from './http';

/**
 * The inspector's reports, as its routes return them. Their response schemas
 * are not in @kubeops/contracts yet, so this names only the fields the
 * console reads; when they move there these become `Static<typeof …>`.
 */
export type Severity = 'critical' | 'high' | 'warning' | 'low' | 'info';

export interface Summary {
  total: number;
  overall: number;
  bySeverity: Record<Severity, number>;
  scores: Record<string, number>;
}

export interface InspectionRun {
  id: string;
  cluster: string;
  namespace: string | null;
  workload: { kind: string; name: string } | null;
  trigger: string;
  requestedBy: string | null;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | string;
  queuedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  summary: (Summary & { suppressed?: number }) | null;
  objectCount: number | null;
  counts: { new: number; resolved: number; regressed: number };
}

export interface InspectionFinding {
  fingerprint: string;
  cluster: string;
  ruleId: string;
  category: string;
  severity: Severity;
  resource: { apiVersion: string; kind: string; namespace: string | null; name: string };
  title: string;
  message: string;
  status: 'new' | 'open' | 'resolved' | 'regressed';
  firstSeenAt: string;
  lastSeenAt: string;
}

export interface TrendPoint {
  runId: string;
  time: string;
  overall: number;
  scores: Record<string, number>;
  total: number;
  new: number;
  resolved: number;
  regressed: number;
}

export interface Exemption {
  id: string;
  cluster: string | null;
  ruleIds: string[];
  resource: { kind: string | null; namespace: string | null; name: string | null };
  reason: string;
  expiresAt: string;
  createdBy: string | null;
  revokedAt: string | null;
}

export interface ExemptionRequest {
  cluster: string;
  ruleIds?: string[];
  resource?: { kind?: string; namespace?: string; name?: string };
  reason: string;
  expiresAt: string;
}

export const inspectionsApi = {
  trends: (cluster: string, limit = 30) =>
    api.get<{ items: TrendPoint[] }>('/api/v1/inspections/trends', { cluster, limit }),
  exemptions: (cluster: string) =>
    api.get<{ items: Exemption[] }>('/api/v1/inspections/exemptions', { cluster }),
  exempt: (body: ExemptionRequest) => api.post<Exemption>('/api/v1/inspections/exemptions', body),
  revokeExemption: (id: string) =>
    api.delete<Exemption>(`/api/v1/inspections/exemptions/${encodeURIComponent(id)}`),
  runs: (cluster: string, limit = 50) =>
    api.get<{ items: InspectionRun[] }>('/api/v1/inspections/runs', { cluster, limit }),
  run: (id: string) => api.get<InspectionRun>(`/api/v1/inspections/runs/${encodeURIComponent(id)}`),
  findings: (
    cluster: string,
    query: { runId?: string; minSeverity?: Severity; limit?: number } = {},
  ) =>
    api.get<{ items: InspectionFinding[]; nextCursor: string | null }>(
      '/api/v1/inspections/findings',
      { cluster, ...query },
    ),
  start: (cluster: string) => api.post<InspectionRun>('/api/v1/inspections/runs', { cluster }),
};
