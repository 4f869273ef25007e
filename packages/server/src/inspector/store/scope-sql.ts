import type { InspectionScope } from '../scope.js';

/**
 * The SQL condition selecting a scope's stored findings, with its
 * parameters appended to `params`: a namespace scope includes the
 * Namespace object itself; a workload scope matches the finding's owner.
 */
export function scopeCondition(scope: InspectionScope, params: unknown[], table = ''): string {
  const col = (c: string) => (table ? `${table}.${c}` : c);
  const parts: string[] = [];
  if (scope.namespace) {
    params.push(scope.namespace);
    const p = `$${params.length}`;
    parts.push(
      `(${col('namespace')} = ${p} OR (${col('kind')} = 'Namespace' AND ${col('name')} = ${p}))`,
    );
  }
  if (scope.workload) {
    params.push(scope.workload.kind, scope.workload.name);
    parts.push(
      `${col('owner_kind')} = $${params.length - 1} AND ${col('owner_name')} = $${params.length}`,
    );
  }
  return parts.length ? parts.join(' AND ') : 'true';
}
