import { Type, type Static } from '@sinclair/typebox';

export const PrinterColumn = Type.Object({
  name: Type.String(),
  type: Type.String({ description: 'integer, number, string, boolean or date' }),
  format: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  priority: Type.Integer(),
  jsonPath: Type.Optional(Type.String()),
});
export type PrinterColumn = Static<typeof PrinterColumn>;

export const ApiResource = Type.Object({
  group: Type.String({ description: 'Empty for the core group' }),
  version: Type.String(),
  resource: Type.String({ description: 'Plural, e.g. deployments' }),
  kind: Type.String(),
  singular: Type.String(),
  namespaced: Type.Boolean(),
  verbs: Type.Array(Type.String()),
  shortNames: Type.Array(Type.String()),
  categories: Type.Array(Type.String()),
  subresources: Type.Array(Type.String()),
  preferred: Type.Boolean({ description: "This version is the group's preferred one" }),
  printerColumns: Type.Array(PrinterColumn),
});
export type ApiResource = Static<typeof ApiResource>;

export const Discovery = Type.Object({
  refreshedAt: Type.String(),
  resources: Type.Array(ApiResource),
});
export type Discovery = Static<typeof Discovery>;

const DNS_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';

/** A namespace: a DNS-1123 label, as Kubernetes requires. */
export const NamespaceName = Type.String({
  minLength: 1,
  maxLength: 63,
  pattern: `^${DNS_LABEL}$`,
  description: 'DNS-1123 label',
});

/** An API group (`core` for the core group): a DNS-1123 subdomain. */
export const ApiGroupParam = Type.String({
  minLength: 1,
  maxLength: 253,
  pattern: `^${DNS_LABEL}(\\.${DNS_LABEL})*$`,
  description: '`core` for the core group',
});
export const ApiVersionParam = Type.String({
  minLength: 1,
  maxLength: 63,
  pattern: `^${DNS_LABEL}$`,
});

/** A name most kinds require (pods, deployments…): a DNS-1123 subdomain. */
export const SubdomainName = Type.String({
  minLength: 1,
  maxLength: 253,
  pattern: `^${DNS_LABEL}(\\.${DNS_LABEL})*$`,
  description: 'DNS-1123 subdomain',
});

/**
 * An object name as a path segment: never `.` or `..`, no `/` or `%` (the
 * kind's own rule, DNS-1123 subdomain for most, is checked once the kind is known).
 */
export const ObjectName = Type.String({
  minLength: 1,
  maxLength: 253,
  pattern: '^(?:[^/%.]|\\.[^/%.]|\\.\\.[^/%])[^/%]*$',
  description: 'Not "." or "..", no "/" or "%"; most kinds: a DNS-1123 subdomain',
});

export const ResourceParams = Type.Object({
  cluster: Type.String({ minLength: 1, maxLength: 63, pattern: `^${DNS_LABEL}$` }),
  group: ApiGroupParam,
  version: ApiVersionParam,
  resource: Type.String({ minLength: 1, maxLength: 63, pattern: `^${DNS_LABEL}$` }),
});
export const ObjectParams = Type.Intersect([ResourceParams, Type.Object({ name: ObjectName })]);

export const ResourceQuery = Type.Object(
  {
    namespace: Type.Optional(
      Type.String({
        maxLength: 4096,
        description: 'One namespace or a comma-separated list; omit for all the user may list',
      }),
    ),
    labelSelector: Type.Optional(Type.String({ maxLength: 4096 })),
    fieldSelector: Type.Optional(
      Type.String({
        maxLength: 4096,
        description:
          'field=value, field!=value, comma-separated; fields are metadata.*, printer column names or object paths',
      }),
    ),
    q: Type.Optional(
      Type.String({ maxLength: 253, description: 'Free text matched against names' }),
    ),
    sort: Type.Optional(
      Type.String({
        maxLength: 253,
        description: 'Column (name, namespace, age or a printer column); prefix - for descending',
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    cursor: Type.Optional(Type.String({ maxLength: 4096 })),
    include: Type.Optional(
      Type.Union([Type.Literal('rows'), Type.Literal('objects')], { default: 'rows' }),
    ),
  },
  { additionalProperties: false },
);
export type ResourceQuery = Static<typeof ResourceQuery>;

export const ResourceRow = Type.Object({
  namespace: Type.Union([Type.String(), Type.Null()]),
  name: Type.String(),
  uid: Type.String(),
  resourceVersion: Type.String(),
  createdAt: Type.Union([Type.String(), Type.Null()]),
  labels: Type.Record(Type.String(), Type.String()),
  cells: Type.Array(Type.Unknown(), {
    description: 'Printer column values, in the order of `columns`',
  }),
  object: Type.Optional(Type.Unknown()),
});
export type ResourceRow = Static<typeof ResourceRow>;

export const CacheStatus = Type.Object({
  synced: Type.Boolean(),
  resourceVersion: Type.Union([Type.String(), Type.Null()]),
  items: Type.Integer(),
  stalenessMs: Type.Number({
    description: '0 while the watch is live; otherwise how long it has been down',
  }),
  lastError: Type.Union([Type.String(), Type.Null()]),
});
export type CacheStatus = Static<typeof CacheStatus>;

export const ResourcePage = Type.Object({
  columns: Type.Array(PrinterColumn),
  items: Type.Array(ResourceRow),
  total: Type.Integer({ description: 'Items matching the query across all pages' }),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
  resourceVersion: Type.Union([Type.String(), Type.Null()]),
  cache: CacheStatus,
});
export type ResourcePage = Static<typeof ResourcePage>;

export const ObjectQuery = Type.Object(
  { namespace: Type.Optional(NamespaceName) },
  { additionalProperties: false },
);

export const DryRunQuery = Type.Object(
  {
    namespace: Type.Optional(NamespaceName),
    dryRun: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const DeleteQuery = Type.Object(
  {
    namespace: Type.Optional(NamespaceName),
    dryRun: Type.Optional(Type.Boolean()),
    propagationPolicy: Type.Optional(
      Type.Union([Type.Literal('Foreground'), Type.Literal('Background'), Type.Literal('Orphan')]),
    ),
  },
  { additionalProperties: false },
);

export const PatchRequest = Type.Object(
  {
    type: Type.Union([Type.Literal('merge'), Type.Literal('json'), Type.Literal('strategic')]),
    patch: Type.Unknown({
      description: 'An object (merge, strategic) or an array of operations (json)',
    }),
  },
  { additionalProperties: false },
);
export type PatchRequest = Static<typeof PatchRequest>;

export const DiffEntry = Type.Object({
  op: Type.Union([Type.Literal('add'), Type.Literal('remove'), Type.Literal('replace')]),
  path: Type.String({ description: 'JSON pointer' }),
  from: Type.Optional(Type.Unknown()),
  to: Type.Optional(Type.Unknown()),
});
export type DiffEntry = Static<typeof DiffEntry>;

export const ChangeResult = Type.Object({
  dryRun: Type.Boolean(),
  object: Type.Unknown(),
  diff: Type.Array(DiffEntry),
});
export type ChangeResult = Static<typeof ChangeResult>;

export const ApplyRequest = Type.Object(
  {
    manifest: Type.String({
      minLength: 1,
      maxLength: 4 * 1024 * 1024,
      description: 'YAML or JSON, several documents separated by ---',
    }),
    namespace: Type.Optional(
      Type.String({
        ...NamespaceName,
        description: 'For namespaced documents that name none',
      }),
    ),
    dryRun: Type.Optional(Type.Boolean()),
    force: Type.Optional(Type.Boolean({ description: 'Take over fields owned by other managers' })),
  },
  { additionalProperties: false },
);
export type ApplyRequest = Static<typeof ApplyRequest>;

export const ApplyDocumentResult = Type.Object({
  index: Type.Integer({ description: 'Position of the document in the manifest, from 0' }),
  kind: Type.Union([Type.String(), Type.Null()]),
  namespace: Type.Union([Type.String(), Type.Null()]),
  name: Type.Union([Type.String(), Type.Null()]),
  ok: Type.Boolean(),
  action: Type.Optional(
    Type.Union([Type.Literal('created'), Type.Literal('configured'), Type.Literal('unchanged')]),
  ),
  diff: Type.Optional(Type.Array(DiffEntry)),
  error: Type.Optional(
    Type.Object({
      code: Type.String(),
      status: Type.Integer(),
      message: Type.String(),
      field: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
});
export type ApplyDocumentResult = Static<typeof ApplyDocumentResult>;

export const ApplyResult = Type.Object({
  dryRun: Type.Boolean(),
  ok: Type.Boolean(),
  documents: Type.Array(ApplyDocumentResult),
});
export type ApplyResult = Static<typeof ApplyResult>;

export const ScaleRequest = Type.Object(
  {
    replicas: Type.Integer({ minimum: 0, maximum: 100000 }),
    dryRun: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export const RolloutRequest = Type.Object(
  { dryRun: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);

export const NamespaceList = Type.Object({
  items: Type.Array(Type.String()),
  complete: Type.Boolean({
    description:
      'False when the user may not list namespaces and these were found by checking each one',
  }),
});

export const LogQuery = Type.Object(
  {
    container: Type.Optional(Type.String({ maxLength: 253 })),
    follow: Type.Optional(Type.Boolean()),
    previous: Type.Optional(Type.Boolean()),
    tailLines: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
    sinceSeconds: Type.Optional(Type.Integer({ minimum: 1 })),
    timestamps: Type.Optional(Type.Boolean()),
    download: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type LogQuery = Static<typeof LogQuery>;

export const EventQuery = Type.Object(
  {
    namespace: Type.Optional(NamespaceName),
    kind: Type.Optional(Type.String({ maxLength: 253 })),
    name: Type.Optional(Type.String({ maxLength: 253 })),
    uid: Type.Optional(Type.String({ maxLength: 253 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })),
  },
  { additionalProperties: false },
);

export const RelatedObject = Type.Object({
  relation: Type.String({ description: 'owner, owned, selects, endpoints, volume, claim …' }),
  group: Type.String(),
  version: Type.String(),
  resource: Type.String(),
  kind: Type.String(),
  namespace: Type.Union([Type.String(), Type.Null()]),
  name: Type.String(),
  uid: Type.String(),
});
export type RelatedObject = Static<typeof RelatedObject>;
export const RelatedObjects = Type.Object({ items: Type.Array(RelatedObject) });

/** Messages on the multiplexed /api/v1/ws socket, client to server. */
export const LiveClientMessage = Type.Union([
  Type.Object({
    type: Type.Literal('subscribe'),
    id: Type.String({ minLength: 1, maxLength: 64 }),
    // The same bounds as the REST list query (ResourceParams, ResourceQuery).
    cluster: Type.String({ minLength: 1, maxLength: 63 }),
    group: Type.String({ minLength: 1, maxLength: 253 }),
    version: Type.String({ minLength: 1, maxLength: 63 }),
    resource: Type.String({ minLength: 1, maxLength: 253 }),
    namespace: Type.Optional(Type.String({ maxLength: 4096 })),
    labelSelector: Type.Optional(Type.String({ maxLength: 4096 })),
    fieldSelector: Type.Optional(Type.String({ maxLength: 4096 })),
    q: Type.Optional(Type.String({ maxLength: 253 })),
    sort: Type.Optional(Type.String({ maxLength: 253 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 })),
    include: Type.Optional(Type.Union([Type.Literal('rows'), Type.Literal('objects')])),
    /** Resume from the resourceVersion of the last message received before a reconnect. */
    resourceVersion: Type.Optional(Type.String({ maxLength: 64 })),
  }),
  Type.Object({ type: Type.Literal('unsubscribe'), id: Type.String({ maxLength: 64 }) }),
  Type.Object({ type: Type.Literal('ping') }),
]);
export type LiveClientMessage = Static<typeof LiveClientMessage>;
