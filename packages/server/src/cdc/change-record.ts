import type { ChangeType, FieldManagerStamp, JsonPatchOperation } from '@kubeops/contracts';
import type { KubeObject } from '../kube/watch-loop.js';
import type { ManagerEntry } from './normalise.js';
import type { CaptureTable } from './resource-selection.js';

/** Which captured resource of which cluster; the unit of resume points and stored state. */
export interface ResourceKey {
  cluster: string;
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
}

/** One change, as captured, before it is stored. */
export interface ChangeRecord {
  table: CaptureTable;
  key: ResourceKey;
  namespace: string;
  name: string;
  uid: string;
  resourceVersion: string;
  type: ChangeType;
  observedAt: Date;
  generation: number | null;
  objectVersion: number;
  seenAtRelist: boolean;
  patch: JsonPatchOperation[];
  snapshot: KubeObject | null;
  fieldManagers: FieldManagerStamp[];
  changedSecretKeys: string[] | null;
}

/** The last stored version of a live object: what the next change is diffed against. */
export interface ObjectState {
  uid: string;
  namespace: string;
  name: string;
  resourceVersion: string;
  objectVersion: number;
  /** Changes since the last full snapshot. */
  sinceSnapshot: number;
  body: KubeObject;
  managers: ManagerEntry[];
}

/** What a change does to cdc_objects: the new state, or the object is gone. */
export type StateUpdate =
  | { key: ResourceKey; state: ObjectState; deleted?: false }
  | { key: ResourceKey; uid: string; deleted: true };
