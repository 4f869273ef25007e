import { api } from './http';

/**
 * Inspection reports (issue: the inspector module). Shapes as the inspector
 * publishes them; kept apart so they can switch to @kubeops/contracts types
 * when those exist.
 */
export interface InspectionFinding {
  id?: string;
  rule: string;
  severity: 'critical' | 'high' | 'medium' | 'low' | 'info' | string;
  category?: string;
  message: string;
  target?: { kind?: string; namespace?: string; name?: string };
}

export interface InspectionReport {
  id: string;
  cluster: string;
  startedAt: string;
  finishedAt?: string | null;
  score: number | null;
  summary?: Record<string, number>;
  findings?: InspectionFinding[];
}

export const inspectionsApi = {
  list: (query: { cluster?: string; limit?: number } = {}) =>
    api.get<{ items: InspectionReport[] }>('/api/v1/inspections', query),
  get: (id: string) => api.get<InspectionReport>(`/api/v1/inspections/${encodeURIComponent(id)}`),
  run: (cluster: string) => api.post<InspectionReport>('/api/v1/inspections', { cluster }),
};
