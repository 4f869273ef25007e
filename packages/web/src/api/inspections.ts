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

export const inspectionsApi = {
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
