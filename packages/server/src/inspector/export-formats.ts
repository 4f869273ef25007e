/** Formats a finished run's report can be exported in to object storage (the machine-readable ones). */
export const EXPORT_FORMATS = ['json', 'sarif', 'junit'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
