import { formatJson } from './json.js';
import { formatJunit } from './junit.js';
import type { InspectionReport } from './report.js';
import { formatSarif } from './sarif.js';
import { formatTable } from './table.js';

export const OUTPUT_FORMATS = ['table', 'json', 'sarif', 'junit'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

const FORMATTERS: Record<OutputFormat, (report: InspectionReport) => string> = {
  table: formatTable,
  json: formatJson,
  sarif: formatSarif,
  junit: formatJunit,
};

export function formatReport(report: InspectionReport, format: OutputFormat): string {
  return FORMATTERS[format](report);
}

export type { InspectionReport } from './report.js';
