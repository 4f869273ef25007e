import type { ObjectStore } from '../providers/storage/index.js';
import type { ExportFormat } from './export-formats.js';
import { formatReport, type InspectionReport } from './formats/index.js';

const EXTENSION: Record<ExportFormat, { name: string; contentType: string }> = {
  json: { name: 'json', contentType: 'application/json' },
  sarif: { name: 'sarif', contentType: 'application/sarif+json' },
  junit: { name: 'junit.xml', contentType: 'application/xml' },
};

/** reports/<cluster>/<run id>.<format>, e.g. reports/prod/42.sarif. */
export const reportKey = (cluster: string, runId: string, format: ExportFormat) =>
  `reports/${cluster}/${runId}.${EXTENSION[format].name}`;

export interface ReportExport {
  store: ObjectStore;
  formats: ExportFormat[];
}

/**
 * Writes a finished run's report to object storage in each configured format,
 * the same documents `kubeops inspect -o <format>` prints, so CI tools and
 * archives pick them up without calling the API. Returns the keys written.
 */
export async function exportRunReport(
  target: ReportExport,
  run: { id: string; cluster: string },
  report: InspectionReport,
): Promise<string[]> {
  const keys: string[] = [];
  for (const format of target.formats) {
    const key = reportKey(run.cluster, run.id, format);
    await target.store.put(key, formatReport(report, format), {
      contentType: EXTENSION[format].contentType,
    });
    keys.push(key);
  }
  return keys;
}
