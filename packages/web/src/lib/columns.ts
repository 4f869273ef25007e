import type { PrinterColumn, ResourceRow } from '../api/kube-types';
import { age } from './time';

export type Tone = 'ok' | 'warn' | 'error' | undefined;

/** One column of the resource table: how to show, sort and colour a cell. */
export interface Column {
  id: string;
  /** An i18n key (columns.*) for name/namespace/age, or the printer column's own name. */
  title: string;
  translate: boolean;
  /** Relative width (CSS fr units). */
  width: number;
  numeric?: boolean;
  value(row: ResourceRow): string | number;
  text?(row: ResourceRow): string;
  tone?(row: ResourceRow): Tone;
}

const GOOD = new Set([
  'Running',
  'Succeeded',
  'Completed',
  'Ready',
  'Active',
  'Bound',
  'True',
  'Available',
]);
const PENDING = new Set([
  'Pending',
  'ContainerCreating',
  'Terminating',
  'PodInitializing',
  'Unknown',
]);

/** Colour of a status-like cell: the words kubectl users read as fine, waiting, or broken. */
export function statusTone(value: unknown): Tone {
  const text = String(value ?? '');
  if (!text) return undefined;
  if (GOOD.has(text)) return 'ok';
  if (PENDING.has(text) || text.startsWith('Init:')) return 'warn';
  return 'error';
}

const readyTone = (value: unknown): Tone => {
  const m = /^(\d+)\/(\d+)$/.exec(String(value ?? ''));
  if (!m) return undefined;
  const [have, want] = [Number(m[1]), Number(m[2])];
  return have >= want ? 'ok' : have === 0 && want > 0 ? 'error' : 'warn';
};

export const nameColumn: Column = {
  id: 'name',
  title: 'columns.name',
  translate: true,
  width: 3,
  value: (r) => r.name,
};
export const namespaceColumn: Column = {
  id: 'namespace',
  title: 'columns.namespace',
  translate: true,
  width: 1.5,
  value: (r) => r.namespace ?? '',
};
export const ageColumn: Column = {
  id: 'age',
  title: 'columns.age',
  translate: true,
  width: 0.8,
  numeric: true,
  // Newest first when ascending by age, as kubectl sorts by creation time.
  value: (r) => -(Date.parse(r.createdAt ?? '') || 0),
  text: (r) => age(r.createdAt),
};

const WIDTHS: Record<string, number> = {
  message: 4,
  node: 1.6,
  image: 2,
  images: 2,
  containers: 1.6,
};

function cellColumn(column: PrinterColumn, index: number): Column {
  const numeric = column.type === 'integer' || column.type === 'number';
  const isDate = column.type === 'date';
  const lower = column.name.toLowerCase();
  const cell = (r: ResourceRow) => r.cells[index];
  return {
    id: `cell:${column.name}`,
    title: column.name,
    translate: false,
    width: WIDTHS[lower] ?? 1,
    numeric: numeric || isDate,
    value: (r) => {
      const v = cell(r);
      if (isDate) return -(Date.parse(String(v ?? '')) || 0);
      if (numeric) return Number(v ?? 0);
      return v === undefined || v === null
        ? ''
        : typeof v === 'object'
          ? JSON.stringify(v)
          : String(v);
    },
    text: (r) => {
      const v = cell(r);
      if (v === undefined || v === null) return '';
      return isDate ? age(String(v)) : typeof v === 'object' ? JSON.stringify(v) : String(v);
    },
    tone:
      lower === 'status' || lower === 'phase'
        ? (r) => statusTone(cell(r))
        : lower === 'ready'
          ? (r) => readyTone(cell(r))
          : undefined,
  };
}

/**
 * The table's columns: name, namespace when several are shown, the printer
 * columns the server sends (priority 0, as `kubectl get` shows), and age.
 */
export function columnsFor(printerColumns: PrinterColumn[], showNamespace: boolean): Column[] {
  return [
    nameColumn,
    ...(showNamespace ? [namespaceColumn] : []),
    ...printerColumns.flatMap((c, i) => (c.priority === 0 ? [cellColumn(c, i)] : [])),
    ageColumn,
  ];
}

/** Text a person might search for in a row: namespace/name and labels. */
export function searchText(row: ResourceRow): string {
  return `${row.namespace ?? ''}/${row.name} ${Object.entries(row.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')}`.toLowerCase();
}
