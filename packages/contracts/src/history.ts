import { Type, type Static } from '@sinclair/typebox';
import { Timestamp } from './common.js';
import { ClusterParams } from './clusters.js';

/** What happened to the object. */
export const ChangeType = Type.Union([
  Type.Literal('created'),
  Type.Literal('updated'),
  Type.Literal('deleted'),
]);
export type ChangeType = Static<typeof ChangeType>;

/** One RFC 6902 JSON Patch operation (history diffs use add, remove and replace). */
export const JsonPatchOperation = Type.Object({
  op: Type.Union([Type.Literal('add'), Type.Literal('remove'), Type.Literal('replace')]),
  path: Type.String({ description: 'JSON pointer (RFC 6901)' }),
  value: Type.Optional(Type.Unknown()),
});
export type JsonPatchOperation = Static<typeof JsonPatchOperation>;

/** A field manager (kubectl, helm, argocd, a controller) whose managedFields entry changed with this version. */
export const FieldManagerStamp = Type.Object({
  manager: Type.String(),
  operation: Type.String({ description: 'Apply or Update' }),
  subresource: Type.Optional(Type.String()),
  time: Type.Union([Type.String(), Type.Null()]),
});
export type FieldManagerStamp = Static<typeof FieldManagerStamp>;

/** The KubeOps user and audit entry that caused a change made through KubeOps. */
export const KubeOpsActor = Type.Object({
  user: Type.Union([Type.String(), Type.Null()]),
  auditId: Type.String(),
  action: Type.String(),
  requestId: Type.Union([Type.String(), Type.Null()]),
});
export type KubeOpsActor = Static<typeof KubeOpsActor>;

export const ObjectChange = Type.Object({
  id: Type.String(),
  cluster: Type.String(),
  group: Type.String({ description: 'Empty for the core group' }),
  version: Type.String({ description: 'The API version the change was captured in' }),
  kind: Type.String(),
  resource: Type.String(),
  namespace: Type.String({ description: 'Empty for cluster-scoped objects' }),
  name: Type.String(),
  uid: Type.String(),
  resourceVersion: Type.String(),
  type: ChangeType,
  observedAt: Timestamp,
  generation: Type.Union([Type.Integer(), Type.Null()]),
  objectVersion: Type.Integer({
    description: 'Position of this change in the history of the object (1 = created)',
  }),
  seenAtRelist: Type.Boolean({
    description:
      'Found by comparing a relist with the stored state (the watch was not running when it happened); observedAt is the relist time',
  }),
  patch: Type.Array(JsonPatchOperation, {
    description:
      'From the previous version, with managedFields, resourceVersion and heartbeat timestamps left out',
  }),
  snapshot: Type.Optional(
    Type.Unknown({ description: 'The whole (normalised) object, on create and every N changes' }),
  ),
  fieldManagers: Type.Array(FieldManagerStamp),
  kubeops: Type.Union([KubeOpsActor, Type.Null()]),
  changedSecretKeys: Type.Optional(
    Type.Array(Type.String(), {
      description: 'Secrets only: the data keys whose value changed (values are never stored)',
    }),
  ),
});
export type ObjectChange = Static<typeof ObjectChange>;

export const ChangePage = Type.Object({
  items: Type.Array(ObjectChange),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type ChangePage = Static<typeof ChangePage>;

const csv = (description: string) => Type.Optional(Type.String({ maxLength: 4096, description }));

export const ChangeScopeQuery = Type.Object(
  {
    clusters: csv('Comma-separated cluster names; omit for every cluster'),
    namespaces: csv('Comma-separated namespaces'),
    kinds: csv('Comma-separated kinds, e.g. Deployment,ConfigMap'),
    actor: Type.Optional(
      Type.String({
        maxLength: 253,
        description: 'A field manager (kubectl-client-side-apply, helm) or a KubeOps user',
      }),
    ),
    since: Type.Optional(Type.String({ format: 'date-time' })),
    until: Type.Optional(Type.String({ format: 'date-time' })),
    events: Type.Optional(
      Type.Boolean({ description: 'Read Kubernetes Events (their own table) instead of changes' }),
    ),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  { additionalProperties: false },
);
export type ChangeScopeQuery = Static<typeof ChangeScopeQuery>;

export const ChangeCountQuery = Type.Composite(
  [
    Type.Omit(ChangeScopeQuery, ['cursor', 'limit']),
    Type.Object({
      bucket: Type.Optional(
        Type.Union([Type.Literal('minute'), Type.Literal('hour'), Type.Literal('day')], {
          default: 'hour',
        }),
      ),
    }),
  ],
  { additionalProperties: false },
);
export type ChangeCountQuery = Static<typeof ChangeCountQuery>;

export const ChangeCounts = Type.Object({
  bucket: Type.String(),
  items: Type.Array(
    Type.Object({
      time: Timestamp,
      created: Type.Integer(),
      updated: Type.Integer(),
      deleted: Type.Integer(),
    }),
  ),
});
export type ChangeCounts = Static<typeof ChangeCounts>;

export const ObjectHistoryQuery = Type.Object(
  {
    namespace: Type.Optional(Type.String({ maxLength: 63 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  { additionalProperties: false },
);
export type ObjectHistoryQuery = Static<typeof ObjectHistoryQuery>;

export const ObjectAsOfQuery = Type.Object(
  {
    namespace: Type.Optional(Type.String({ maxLength: 63 })),
    time: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);
export type ObjectAsOfQuery = Static<typeof ObjectAsOfQuery>;

export const ObjectAsOf = Type.Object({
  time: Timestamp,
  uid: Type.String(),
  objectVersion: Type.Integer(),
  resourceVersion: Type.String(),
  changedAt: Timestamp,
  object: Type.Unknown({ description: 'The object as stored (normalised, Secret values hashed)' }),
});
export type ObjectAsOf = Static<typeof ObjectAsOf>;

export const VersionDiffQuery = Type.Object(
  {
    namespace: Type.Optional(Type.String({ maxLength: 63 })),
    uid: Type.Optional(
      Type.String({ maxLength: 64, description: 'Which incarnation; default the latest' }),
    ),
    from: Type.Integer({ minimum: 1, description: 'objectVersion' }),
    to: Type.Integer({ minimum: 1, description: 'objectVersion' }),
  },
  { additionalProperties: false },
);
export type VersionDiffQuery = Static<typeof VersionDiffQuery>;

export const VersionDiff = Type.Object({
  uid: Type.String(),
  from: Type.Integer(),
  to: Type.Integer(),
  patch: Type.Array(JsonPatchOperation),
});
export type VersionDiff = Static<typeof VersionDiff>;

/**
 * A change as published on the event bus: a CloudEvents 1.0 event in
 * structured JSON form. `partitionkey` (the CloudEvents partitioning
 * extension) is the object: events of one object keep their order.
 */
export const ChangeCloudEvent = Type.Object(
  {
    specversion: Type.Literal('1.0'),
    id: Type.String({ description: '<cluster>/<uid>/<resourceVersion>: the same on redelivery' }),
    source: Type.String({ description: '/kubeops/clusters/<cluster>' }),
    type: Type.Union([
      Type.Literal('io.kubeops.change.created'),
      Type.Literal('io.kubeops.change.updated'),
      Type.Literal('io.kubeops.change.deleted'),
    ]),
    subject: Type.String({ description: '<group>/<resource>/<namespace>/<name>' }),
    time: Timestamp,
    datacontenttype: Type.Literal('application/json'),
    dataschema: Type.Optional(Type.String()),
    partitionkey: Type.String({ description: '<cluster>/<uid>' }),
    data: ObjectChange,
  },
  { $id: 'ChangeCloudEvent' },
);
export type ChangeCloudEvent = Static<typeof ChangeCloudEvent>;

export const HistoryObjectParams = Type.Composite([
  ClusterParams,
  Type.Object({
    group: Type.String({ minLength: 1, maxLength: 253, description: '`core` for the core group' }),
    resource: Type.String({
      minLength: 1,
      maxLength: 253,
      description: 'Plural, e.g. deployments',
    }),
    name: Type.String({ minLength: 1, maxLength: 253 }),
  }),
]);
export type HistoryObjectParams = Static<typeof HistoryObjectParams>;
