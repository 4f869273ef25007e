import type { KubeObject } from '../snapshot.js';
import { isRecord, list, num, record, str, type Json } from './fields.js';

/**
 * Where each workload kind keeps its pod template. Rules about how pods are
 * declared (probes, security context, images) read the template of the
 * top-level workload, so one Deployment yields one finding, not one per pod.
 */
const TEMPLATE_PATHS: Record<string, string[]> = {
  Pod: [],
  Deployment: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

export const WORKLOAD_KINDS = new Set(Object.keys(TEMPLATE_PATHS));

export interface PodTemplate {
  /** Path segments from the object to the pod template (empty for a Pod). */
  path: string[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: Json;
}

// Rules ask for the same templates many times per inspection; objects are not mutated meanwhile.
const templates = new WeakMap<KubeObject, PodTemplate | null>();

export function podTemplateOf(object: KubeObject): PodTemplate | undefined {
  const cached = templates.get(object);
  if (cached !== undefined) return cached ?? undefined;
  const template = readTemplate(object);
  templates.set(object, template ?? null);
  return template;
}

function readTemplate(object: KubeObject): PodTemplate | undefined {
  const path = TEMPLATE_PATHS[object.kind];
  if (path === undefined) return undefined;
  const template = path.length === 0 ? object : record(object, ...path);
  const spec = record(template, 'spec');
  if (!template || !spec) return undefined;
  return {
    path,
    labels: stringMap(record(template, 'metadata', 'labels')),
    annotations: stringMap(record(template, 'metadata', 'annotations')),
    spec,
  };
}

const EMPTY: Record<string, string> = {};

/** Labels or annotations as strings; the API server's maps already are, and are used as they are. */
function stringMap(value: Json | undefined): Record<string, string> {
  if (!value) return EMPTY;
  let plain = true;
  for (const key in value) {
    if (typeof value[key] !== 'string') {
      plain = false;
      break;
    }
  }
  if (plain) return value as Record<string, string>;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value ?? {})) if (typeof v === 'string') out[k] = v;
  return out;
}

export interface ContainerEntry {
  name: string;
  init: boolean;
  /** Field path for evidence, e.g. spec.template.spec.containers[web]. */
  path: string;
  container: Json;
}

interface ContainerLists {
  all: ContainerEntry[];
  app: ContainerEntry[];
}

const containerCache = new WeakMap<KubeObject, ContainerLists>();

/** The app containers (and init containers when asked) of a workload's pod template. */
export function containersOf(
  object: KubeObject,
  options: { init?: boolean } = {},
): readonly ContainerEntry[] {
  let lists = containerCache.get(object);
  if (!lists) {
    const all = readContainers(object);
    lists = { all, app: all.some((c) => c.init) ? all.filter((c) => !c.init) : all };
    containerCache.set(object, lists);
  }
  return options.init ? lists.all : lists.app;
}

function readContainers(object: KubeObject): ContainerEntry[] {
  const template = podTemplateOf(object);
  if (!template) return [];
  const prefix = [...template.path, 'spec'].join('.');
  const entries: ContainerEntry[] = [];
  const lists: Array<[string, boolean]> = [
    ['containers', false],
    ['initContainers', true],
  ];
  for (const [key, init] of lists) {
    for (const container of list(template.spec, key)) {
      const name = str(container, 'name') ?? '';
      entries.push({ name, init, path: `${prefix}.${key}[${name}]`, container });
    }
  }
  return entries;
}

/** The path to the pod spec as a dotted string, for evidence. */
export function podSpecPath(object: KubeObject): string {
  const template = podTemplateOf(object);
  return [...(template?.path ?? []), 'spec'].join('.');
}

/** Nests `body` at the pod spec of `object`, producing a merge patch. */
export function podSpecPatch(object: KubeObject, body: Json): Json {
  const template = podTemplateOf(object);
  return nest([...(template?.path ?? []), 'spec'], body);
}

/** A strategic merge patch that changes one container (lists merge by name). */
export function containerPatch(object: KubeObject, entry: ContainerEntry, body: Json): Json {
  return podSpecPatch(object, {
    [entry.init ? 'initContainers' : 'containers']: [{ name: entry.name, ...body }],
  });
}

export function nest(path: string[], body: Json): Json {
  let out: Json = body;
  for (let i = path.length - 1; i >= 0; i--) out = { [path[i]!]: out };
  return out;
}

/** How many pods the workload asks for, as the controllers default it. */
export function desiredReplicas(object: KubeObject): number {
  switch (object.kind) {
    case 'Deployment':
    case 'ReplicaSet':
    case 'StatefulSet':
    case 'ReplicationController':
      return num(object, 'spec', 'replicas') ?? 1;
    case 'DaemonSet':
      return num(object, 'status', 'desiredNumberScheduled') ?? 1;
    case 'Job':
      return num(object, 'spec', 'parallelism') ?? 1;
    default:
      return 1;
  }
}

/** Long-running controllers; Jobs and CronJobs are excluded from availability rules. */
export function isServingWorkload(object: KubeObject): boolean {
  return ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController'].includes(
    object.kind,
  );
}

export function imageOf(container: Json): string {
  const image = container.image;
  return typeof image === 'string' ? image : '';
}

export function hasField(value: Json, key: string): boolean {
  return isRecord(value) && value[key] !== undefined && value[key] !== null;
}
