import { FIELD_MANAGER } from '../kube/object-changes.js';
import type {
  ChangeType,
  FieldManagerStamp,
  JsonPatchOperation,
  ObjectChange,
} from '@kubeops/contracts';

/** A stored change as read back, with its KubeOps audit entry when one matched. */
export interface ChangeRow {
  id: string;
  cluster: string;
  api_group: string;
  api_version: string;
  kind: string;
  resource: string;
  namespace: string;
  name: string;
  uid: string;
  resource_version: string;
  type: ChangeType;
  observed_at: Date;
  generation: string | null;
  object_version: number;
  seen_at_relist: boolean;
  patch: JsonPatchOperation[];
  snapshot: unknown;
  field_managers: FieldManagerStamp[];
  changed_secret_keys: string[] | null;
  audit_id: string | null;
  audit_actor: string | null;
  audit_action: string | null;
  audit_request_id: string | null;
}

/**
 * Columns of a change plus the KubeOps audit entry that caused it, if any:
 * the successful kube write on the same object (or an apply listing it)
 * closest in time (within 30 s)
 * when KubeOps's field manager wrote this version, or when it is a delete
 * (which leaves no managedFields). Matched when read, because the audit
 * entry is written as the response is sent, which may be after the watch
 * delivered the change.
 */
export const changeColumns = (alias: string) => `
  ${alias}.id::text AS id, ${alias}.cluster, ${alias}.api_group, ${alias}.api_version, ${alias}.kind, ${alias}.resource,
  ${alias}.namespace, ${alias}.name, ${alias}.uid, ${alias}.resource_version, ${alias}.type, ${alias}.observed_at,
  ${alias}.generation::text AS generation, ${alias}.object_version, ${alias}.seen_at_relist, ${alias}.patch,
  ${alias}.snapshot, ${alias}.field_managers, ${alias}.changed_secret_keys,
  a.id AS audit_id, a.actor AS audit_actor, a.action AS audit_action, a.request_id AS audit_request_id`;

export const auditJoin = (alias: string) => `
  LEFT JOIN LATERAL (
    SELECT l.id::text AS id, l.actor, l.action, l.request_id FROM audit_log l
    WHERE l.cluster = ${alias}.cluster AND l.result = 'success' AND starts_with(l.action, 'kube.')
      AND ((l.kind = ${alias}.kind AND l.name = ${alias}.name AND coalesce(l.namespace, '') = ${alias}.namespace)
        -- An apply names its objects in the documents it reports, not in the entry's target.
        OR (l.action = 'kube.apply' AND l.details->'documents' @> jsonb_build_array(
          jsonb_build_object('kind', ${alias}.kind, 'name', ${alias}.name, 'ok', true))))
      AND coalesce(l.details->>'dryRun', 'false') <> 'true'
      AND l.time BETWEEN ${alias}.observed_at - interval '30 seconds' AND ${alias}.observed_at + interval '30 seconds'
      AND (${alias}.type = 'deleted' OR ${alias}.field_managers @> '[{"manager": "${FIELD_MANAGER}"}]'::jsonb)
    ORDER BY abs(extract(epoch FROM l.time - ${alias}.observed_at))
    LIMIT 1
  ) a ON true`;

export function toObjectChange(r: ChangeRow): ObjectChange {
  return {
    id: r.id,
    cluster: r.cluster,
    group: r.api_group,
    version: r.api_version,
    kind: r.kind,
    resource: r.resource,
    namespace: r.namespace,
    name: r.name,
    uid: r.uid,
    resourceVersion: r.resource_version,
    type: r.type,
    observedAt: new Date(r.observed_at).toISOString(),
    generation: r.generation === null ? null : Number(r.generation),
    objectVersion: Number(r.object_version),
    seenAtRelist: r.seen_at_relist,
    patch: r.patch,
    ...(r.snapshot !== null && r.snapshot !== undefined ? { snapshot: r.snapshot } : {}),
    fieldManagers: r.field_managers,
    kubeops: r.audit_id
      ? {
          user: r.audit_actor,
          auditId: r.audit_id,
          action: r.audit_action ?? '',
          requestId: r.audit_request_id,
        }
      : null,
    ...(r.changed_secret_keys ? { changedSecretKeys: r.changed_secret_keys } : {}),
  };
}
