import type { Static } from '@sinclair/typebox';
import type {
  InspectionExemption,
  InspectionExemptionList,
  InspectionExemptionRequest,
  InspectionFinding,
  InspectionFindingPage,
  InspectionFindingQuery,
  InspectionRun,
  InspectionRunList,
  InspectionSummary,
  InspectionTrendList,
  InspectionTrendPoint,
  Severity,
} from '@kubeops/contracts';
import { api } from './http';

/** The inspector's reports, typed by the same schemas the server answers with. */
export type { InspectionFinding, InspectionRun, Severity };
export type Summary = InspectionSummary;
export type TrendPoint = InspectionTrendPoint;
export type Exemption = InspectionExemption;
export type ExemptionRequest = InspectionExemptionRequest;

export const inspectionsApi = {
  trends: (cluster: string, limit = 30) =>
    api.get<Static<typeof InspectionTrendList>>('/api/v1/inspections/trends', { cluster, limit }),
  exemptions: (cluster: string) =>
    api.get<Static<typeof InspectionExemptionList>>('/api/v1/inspections/exemptions', { cluster }),
  exempt: (body: ExemptionRequest) => api.post<Exemption>('/api/v1/inspections/exemptions', body),
  revokeExemption: (id: string) =>
    api.delete<Exemption>(`/api/v1/inspections/exemptions/${encodeURIComponent(id)}`),
  runs: (cluster: string, limit = 50) =>
    api.get<Static<typeof InspectionRunList>>('/api/v1/inspections/runs', { cluster, limit }),
  run: (id: string) => api.get<InspectionRun>(`/api/v1/inspections/runs/${encodeURIComponent(id)}`),
  findings: (
    cluster: string,
    query: Pick<InspectionFindingQuery, 'runId' | 'minSeverity' | 'limit'> = {},
  ) =>
    api.get<Static<typeof InspectionFindingPage>>('/api/v1/inspections/findings', {
      cluster,
      ...query,
    }),
  start: (cluster: string) => api.post<InspectionRun>('/api/v1/inspections/runs', { cluster }),
};
