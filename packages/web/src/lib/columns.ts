import type { ApiResource, KubeObject } from '../api/kube-types';
import { evaluateJsonPath } from './jsonpath';
import { age } from './time';

export type Tone = 'ok' | 'warn' | 'error' | undefined;

/** One column of the resource table: how to show, sort and colour a cell. */
export interface Column {
  id: string;
  /** An i18n key (columns.*) for built-in columns, or the printer column's own name. */
  title: string;
  translate: boolean;
  /** Relative width (CSS fr units). */
  width: number;
  numeric?: boolean;
  value(object: KubeObject): string | number;
  text?(object: KubeObject): string;
  tone?(object: KubeObject): Tone;
}

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const spec = (o: KubeObject) => (o.spec ?? {}) as Any;
const status = (o: KubeObject) => (o.status ?? {}) as Any;

const col = (
  id: string,
  width: number,
  value: Column['value'],
  extra: Partial<Column> = {},
): Column => ({
  id,
  title: `columns.${id}`,
  translate: true,
  width,
  value,
  ...extra,
});

export const nameColumn = col('name', 3, (o) => o.metadata.name);
export const namespaceColumn = col('namespace', 1.5, (o) => o.metadata.namespace ?? '');
export const ageColumn = col(
  'age',
  0.8,
  (o) => -Date.parse(o.metadata.creationTimestamp ?? '0') || 0,
  {
    numeric: true,
    text: (o) => age(o.metadata.creationTimestamp),
  },
);

/** What kubectl shows as a pod's STATUS: the reason a container waits, or the phase. */
export function podStatus(pod: KubeObject): string {
  if (pod.metadata.deletionTimestamp) return 'Terminating';
  const s = status(pod);
  for (const c of (s.containerStatuses ?? []) as Any[]) {
    const reason = c.state?.waiting?.reason ?? c.state?.terminated?.reason;
    if (reason) return reason;
  }
  return s.reason ?? s.phase ?? 'Unknown';
}

export function podReady(pod: KubeObject): [number, number] {
  const containers = ((spec(pod).containers ?? []) as Any[]).length;
  const ready = ((status(pod).containerStatuses ?? []) as Any[]).filter((c) => c.ready).length;
  return [ready, containers];
}

const podTone = (pod: KubeObject): Tone => {
  const s = podStatus(pod);
  if (s === 'Running' || s === 'Succeeded' || s === 'Completed') return 'ok';
  if (s === 'Pending' || s === 'ContainerCreating' || s === 'Terminating') return 'warn';
  return 'error';
};

const replicas = (desired: (o: KubeObject) => number, ready: (o: KubeObject) => number) =>
  col('ready', 1, (o) => ready(o), {
    numeric: true,
    text: (o) => `${ready(o)}/${desired(o)}`,
    tone: (o) =>
      ready(o) >= desired(o) ? 'ok' : ready(o) === 0 && desired(o) > 0 ? 'error' : 'warn',
  });

const workloadReplicas = replicas(
  (o) => Number(spec(o).replicas ?? 1),
  (o) => Number(status(o).readyReplicas ?? 0),
);

const BUILT_IN: Record<string, Column[]> = {
  pods: [
    col('ready', 0.8, (o) => podReady(o)[0], { numeric: true, text: (o) => podReady(o).join('/') }),
    col('status', 1.4, podStatus, { tone: podTone }),
    col(
      'restarts',
      0.8,
      (o) =>
        ((status(o).containerStatuses ?? []) as Any[]).reduce(
          (n, c) => n + (c.restartCount ?? 0),
          0,
        ),
      {
        numeric: true,
      },
    ),
    col('node', 1.6, (o) => spec(o).nodeName ?? ''),
    col('ip', 1.2, (o) => status(o).podIP ?? ''),
  ],
  deployments: [
    workloadReplicas,
    col('upToDate', 0.9, (o) => Number(status(o).updatedReplicas ?? 0), { numeric: true }),
    col('available', 0.9, (o) => Number(status(o).availableReplicas ?? 0), { numeric: true }),
  ],
  statefulsets: [workloadReplicas],
  replicasets: [
    col('desired', 0.8, (o) => Number(spec(o).replicas ?? 0), { numeric: true }),
    replicas(
      (o) => Number(spec(o).replicas ?? 0),
      (o) => Number(status(o).readyReplicas ?? 0),
    ),
  ],
  daemonsets: [
    replicas(
      (o) => Number(status(o).desiredNumberScheduled ?? 0),
      (o) => Number(status(o).numberReady ?? 0),
    ),
  ],
  services: [
    col('type', 1, (o) => spec(o).type ?? ''),
    col('clusterIP', 1.2, (o) => spec(o).clusterIP ?? ''),
    col('ports', 1.6, (o) =>
      ((spec(o).ports ?? []) as Any[]).map((p) => `${p.port}/${p.protocol ?? 'TCP'}`).join(','),
    ),
  ],
  nodes: [
    col(
      'status',
      1,
      (o) =>
        ((status(o).conditions ?? []) as Any[]).find((c) => c.type === 'Ready')?.status === 'True'
          ? 'Ready'
          : 'NotReady',
      {
        tone: (o) =>
          ((status(o).conditions ?? []) as Any[]).find((c) => c.type === 'Ready')?.status === 'True'
            ? 'ok'
            : 'error',
      },
    ),
    col('version', 1, (o) => status(o).nodeInfo?.kubeletVersion ?? ''),
  ],
  namespaces: [col('status', 1, (o) => status(o).phase ?? '')],
  jobs: [col('completions', 1, (o) => `${status(o).succeeded ?? 0}/${spec(o).completions ?? 1}`)],
  cronjobs: [
    col('schedule', 1.2, (o) => spec(o).schedule ?? ''),
    col('suspend', 0.8, (o) => String(spec(o).suspend ?? false)),
  ],
  configmaps: [
    col('data', 0.6, (o) => Object.keys((o.data as Any) ?? {}).length, { numeric: true }),
  ],
  secrets: [
    col('type', 1.6, (o) => String(o.type ?? '')),
    col('data', 0.6, (o) => Object.keys((o.data as Any) ?? {}).length, { numeric: true }),
  ],
  persistentvolumeclaims: [
    col('status', 0.8, (o) => status(o).phase ?? ''),
    col('volume', 1.6, (o) => spec(o).volumeName ?? ''),
    col('capacity', 0.8, (o) => status(o).capacity?.storage ?? ''),
  ],
  events: [
    col('type', 0.8, (o) => String(o.type ?? ''), {
      tone: (o) => (o.type === 'Warning' ? 'warn' : undefined),
    }),
    col('reason', 1.2, (o) => String(o.reason ?? '')),
    col(
      'object',
      1.6,
      (o) => `${(o.involvedObject as Any)?.kind ?? ''}/${(o.involvedObject as Any)?.name ?? ''}`,
    ),
    col('message', 4, (o) => String(o.message ?? '')),
  ],
};

function printerColumn(column: NonNullable<ApiResource['printerColumns']>[number]): Column {
  const numeric = column.type === 'integer' || column.type === 'number';
  const isDate = column.type === 'date';
  const read = (o: KubeObject) => evaluateJsonPath(o, column.jsonPath);
  return {
    id: `printer:${column.name}`,
    title: column.name,
    translate: false,
    width: 1,
    numeric: numeric || isDate,
    value: (o) => {
      const v = read(o);
      if (isDate) return -Date.parse(String(v ?? '')) || 0;
      if (numeric) return Number(v ?? 0);
      return v === undefined || v === null ? '' : String(v);
    },
    text: (o) => {
      const v = read(o);
      if (v === undefined || v === null) return '';
      return isDate ? age(String(v)) : typeof v === 'object' ? JSON.stringify(v) : String(v);
    },
  };
}

/** The table's columns: name, namespace when namespaced, the type's own columns, age. */
export function columnsFor(resource: ApiResource, allNamespaces: boolean): Column[] {
  const builtIn = resource.custom ? undefined : BUILT_IN[resource.resource];
  const own =
    builtIn ??
    (resource.printerColumns ?? [])
      .filter(
        (c) =>
          !c.priority &&
          c.jsonPath !== '.metadata.creationTimestamp' &&
          c.name.toLowerCase() !== 'name',
      )
      .map(printerColumn);
  return [
    nameColumn,
    ...(resource.namespaced && allNamespaces ? [namespaceColumn] : []),
    ...own,
    ageColumn,
  ];
}

/** Text a person might search for in a row: name, namespace, labels. */
export function searchText(object: KubeObject): string {
  const labels = object.metadata.labels ?? {};
  return `${object.metadata.namespace ?? ''}/${object.metadata.name} ${Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')}`.toLowerCase();
}
