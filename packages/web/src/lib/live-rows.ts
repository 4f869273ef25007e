import { shallowRef } from 'vue';
import type { PrinterColumn, ResourceRow, RowChange } from '../api/kube-types';

export const rowKey = (row: ResourceRow) => row.uid || `${row.namespace ?? ''}/${row.name}`;

/**
 * The live contents of one resource table: a snapshot, then changes. Bursts
 * of changes are applied together once per animation frame, and `version`
 * moves once per applied batch, so a table of 10,000 rows re-sorts at most
 * once a frame however fast the cluster changes.
 */
export class LiveRows {
  readonly version = shallowRef(0);
  readonly ready = shallowRef(false);
  readonly columns = shallowRef<PrinterColumn[]>([]);
  private readonly rows = new Map<string, ResourceRow>();
  private pending: RowChange[] = [];
  private scheduled = false;

  constructor(
    private readonly schedule: (flush: () => void) => void = (f) => requestAnimationFrame(f),
  ) {}

  get size(): number {
    return this.rows.size;
  }

  items(): ResourceRow[] {
    return [...this.rows.values()];
  }

  reset(): void {
    this.pending = [];
    this.rows.clear();
    this.ready.value = false;
    this.version.value++;
  }

  snapshot(items: ResourceRow[], columns: PrinterColumn[]): void {
    this.pending = [];
    this.rows.clear();
    for (const row of items) this.rows.set(rowKey(row), row);
    this.columns.value = columns;
    this.ready.value = true;
    this.version.value++;
  }

  /** Rows of later pages fetched after the snapshot; a newer version already received wins. */
  append(items: ResourceRow[]): void {
    for (const row of items) {
      const key = rowKey(row);
      if (!this.rows.has(key)) this.rows.set(key, row);
    }
    this.version.value++;
  }

  changes(changes: RowChange[]): void {
    this.pending.push(...changes);
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(() => this.flush());
  }

  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    for (const change of this.pending) {
      const key = rowKey(change.row);
      if (change.type === 'DELETED') this.rows.delete(key);
      else this.rows.set(key, change.row);
    }
    this.pending = [];
    this.version.value++;
  }
}
