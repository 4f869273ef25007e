import type { Queryable } from '../store/database.js';
import type { ObjectState, ResourceKey } from './change-record.js';
import type { ManagerEntry } from './normalise.js';
import type { KubeObject } from '../kube/watch-loop.js';

/** Where a resource's capture stands: the last stored version of each live object and the resume point. */
export interface StoredCapture {
  states: Map<string, ObjectState>;
  resourceVersion: string | undefined;
}

export async function loadCapture(db: Queryable, key: ResourceKey): Promise<StoredCapture> {
  const [objects, resume] = await Promise.all([
    db.query<{
      uid: string;
      namespace: string;
      name: string;
      resource_version: string;
      object_version: number;
      since_snapshot: number;
      body: KubeObject;
      managers: ManagerEntry[];
    }>(
      `SELECT uid, namespace, name, resource_version, object_version, since_snapshot, body, managers
       FROM cdc_objects WHERE cluster = $1 AND api_group = $2 AND resource = $3`,
      [key.cluster, key.group, key.resource],
    ),
    db.query<{ resource_version: string | null; api_version: string }>(
      `SELECT resource_version, api_version FROM cdc_resume WHERE cluster = $1 AND api_group = $2 AND resource = $3`,
      [key.cluster, key.group, key.resource],
    ),
  ]);
  const states = new Map<string, ObjectState>();
  for (const r of objects.rows) {
    states.set(r.uid, {
      uid: r.uid,
      namespace: r.namespace,
      name: r.name,
      resourceVersion: r.resource_version,
      objectVersion: Number(r.object_version),
      sinceSnapshot: Number(r.since_snapshot),
      body: r.body,
      managers: r.managers,
    });
  }
  const point = resume.rows[0];
  // A resourceVersion is only meaningful for the API version it was read in.
  const resourceVersion =
    point && point.api_version === key.version ? (point.resource_version ?? undefined) : undefined;
  return { states, resourceVersion };
}
