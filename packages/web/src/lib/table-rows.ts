import { computed, type Ref } from 'vue';
import type { ResourceRow } from '../api/kube-types';
import { searchText, type Column } from './columns';
import type { LiveRows } from './live-rows';
import { sortRows } from './sort';

/**
 * What the resource table shows: the live rows, narrowed by free text and
 * sorted by one column, recomputed once per applied batch of changes.
 */
export function useTableRows(
  rows: LiveRows,
  columns: Ref<Column[]>,
  search: Ref<string>,
  sortBy: Ref<string>,
  sortDesc: Ref<boolean>,
) {
  // Search text per row object; a changed row is a new object, so this never goes stale.
  const texts = new WeakMap<ResourceRow, string>();
  const textOf = (row: ResourceRow) => {
    let text = texts.get(row);
    if (text === undefined) texts.set(row, (text = searchText(row)));
    return text;
  };
  return computed(() => {
    void rows.version.value;
    const needle = search.value.trim().toLowerCase();
    const all = rows.items();
    const matching = needle ? all.filter((row) => textOf(row).includes(needle)) : all;
    return sortRows(
      matching,
      columns.value.find((c) => c.id === sortBy.value),
      sortDesc.value,
    );
  });
}
