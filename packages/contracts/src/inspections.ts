import { Type, type Static, type TLiteral, type TUnion } from '@sinclair/typebox';
import { HttpUrl, Timestamp } from './common.js';
import { ClusterName } from './clusters.js';

/**
 * The vocabulary of findings, here rather than in the analysis engine
 * (which uses these lists) so the console need not load the engine to know
 * them. Severities run most severe first; the order is used for sorting and
 * thresholds.
 */
export const SEVERITIES = ['critical', 'high', 'warning', 'low', 'info'] as const;
export const CATEGORIES = [
  'reliability',
  'configuration',
  'security',
  'cost',
  'anomaly',
  'logs',
] as const;
/**
 * Rule profiles, least opinionated first; each includes the ones before it.
 * `default` reports defects; `strict` adds checks of house style.
 */
export const PROFILES = ['default', 'strict'] as const;
const FINDING_STATUSES = ['new', 'open', 'resolved', 'regressed'] as const;

type Literals<T extends readonly string[]> = T extends readonly [
  infer Head extends string,
  ...infer Rest extends readonly string[],
]
  ? [TLiteral<Head>, ...Literals<Rest>]
  : [];
const literals = <const T extends readonly string[]>(values: T) =>
  Type.Union(values.map((v) => Type.Literal(v))) as TUnion<Literals<T>>;

export const Severity = literals(SEVERITIES);
export type Severity = Static<typeof Severity>;
export const Category = literals(CATEGORIES);
export type Category = Static<typeof Category>;
export const Profile = literals(PROFILES);
export type Profile = Static<typeof Profile>;
export const FindingStatus = literals(FINDING_STATUSES);
export type FindingStatus = Static<typeof FindingStatus>;

const NamespaceName = Type.String({
  minLength: 1,
  maxLength: 63,
  pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
});
const RunId = Type.String({ pattern: '^[0-9]{1,18}$' });
const Workload = Type.Object(
  {
    kind: Type.String({ minLength: 1, maxLength: 100, examples: ['Deployment'] }),
    name: Type.String({ minLength: 1, maxLength: 253 }),
  },
  { additionalProperties: false },
);
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);
const BySeverity = Type.Record(Severity, Type.Number());
const ByCategory = Type.Record(Category, Type.Number());

// Requests

export const InspectionRunRequest = Type.Object(
  {
    cluster: ClusterName,
    namespace: Type.Optional(NamespaceName),
    workload: Type.Optional(Workload),
  },
  { additionalProperties: false },
);
export type InspectionRunRequest = Static<typeof InspectionRunRequest>;

export const InspectionRunQuery = Type.Object(
  {
    cluster: ClusterName,
    before: Type.Optional(RunId),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  },
  { additionalProperties: false },
);
export type InspectionRunQuery = Static<typeof InspectionRunQuery>;

export const InspectionRunParams = Type.Object({ id: RunId });

export const InspectionFindingQuery = Type.Object(
  {
    cluster: ClusterName,
    namespace: Type.Optional(NamespaceName),
    minSeverity: Type.Optional(Severity),
    category: Type.Optional(Category),
    ruleId: Type.Optional(Type.String({ maxLength: 100 })),
    status: Type.Optional(Type.Array(FindingStatus, { maxItems: 4 })),
    kind: Type.Optional(Type.String({ maxLength: 100 })),
    name: Type.Optional(Type.String({ maxLength: 253 })),
    runId: Type.Optional(RunId),
    cursor: Type.Optional(Type.String({ maxLength: 128 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  { additionalProperties: false },
);
export type InspectionFindingQuery = Static<typeof InspectionFindingQuery>;

export const InspectionTrendQuery = Type.Object(
  {
    cluster: ClusterName,
    namespace: Type.Optional(NamespaceName),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 30 })),
  },
  { additionalProperties: false },
);
export type InspectionTrendQuery = Static<typeof InspectionTrendQuery>;

export const InspectionExemptionRequest = Type.Object(
  {
    cluster: Type.Optional(ClusterName),
    ruleIds: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 50 }),
    ),
    resource: Type.Optional(
      Type.Object(
        {
          kind: Type.Optional(Type.String({ maxLength: 100 })),
          namespace: Type.Optional(Type.String({ maxLength: 63 })),
          name: Type.Optional(Type.String({ maxLength: 253 })),
        },
        { additionalProperties: false },
      ),
    ),
    labelSelector: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    reason: Type.String({ minLength: 1, maxLength: 2000 }),
    expiresAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);
export type InspectionExemptionRequest = Static<typeof InspectionExemptionRequest>;

export const InspectionExemptionQuery = Type.Object(
  {
    cluster: Type.Optional(ClusterName),
    includeInactive: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type InspectionExemptionQuery = Static<typeof InspectionExemptionQuery>;

export const InspectionScheduleRequest = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    cluster: ClusterName,
    namespace: Type.Optional(NamespaceName),
    workload: Type.Optional(Workload),
    cron: Type.String({ minLength: 1, maxLength: 200, examples: ['0 */6 * * *'] }),
    timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type InspectionScheduleRequest = Static<typeof InspectionScheduleRequest>;

const Secret = Type.Optional(Type.String({ minLength: 1, maxLength: 512 }));

/** Where a notification channel delivers, one shape per channel type. */
export const NotificationChannelConfig = Type.Union([
  Type.Object(
    { type: Type.Literal('webhook'), url: HttpUrl, secret: Secret },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('slack'), url: HttpUrl }, { additionalProperties: false }),
  Type.Object(
    { type: Type.Literal('dingtalk'), url: HttpUrl, secret: Secret },
    { additionalProperties: false },
  ),
  Type.Object(
    { type: Type.Literal('feishu'), url: HttpUrl, secret: Secret },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('wecom'), url: HttpUrl }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('email'),
      host: Type.String({ minLength: 1, maxLength: 253 }),
      port: Type.Integer({ minimum: 1, maximum: 65535 }),
      secure: Type.Optional(Type.Boolean()),
      username: Type.Optional(Type.String({ maxLength: 256 })),
      password: Type.Optional(Type.String({ maxLength: 512 })),
      from: Type.String({ minLength: 3, maxLength: 256 }),
      to: Type.Array(Type.String({ minLength: 3, maxLength: 256 }), { minItems: 1, maxItems: 50 }),
    },
    { additionalProperties: false },
  ),
]);
export type NotificationChannelConfig = Static<typeof NotificationChannelConfig>;

export const NotificationChannelRequest = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    cluster: Type.Optional(ClusterName),
    minSeverity: Type.Optional(Severity),
    newOnly: Type.Optional(
      Type.Boolean({ description: 'Only findings new or regressed in the run (default true)' }),
    ),
    enabled: Type.Optional(Type.Boolean()),
    config: NotificationChannelConfig,
  },
  { additionalProperties: false },
);
export type NotificationChannelRequest = Static<typeof NotificationChannelRequest>;

// Responses

/** Scores (0-100, 100: nothing found) and counts of one run. */
export const InspectionSummary = Type.Object({
  total: Type.Integer(),
  overall: Type.Number(),
  bySeverity: BySeverity,
  byCategory: Type.Record(Category, BySeverity),
  scores: ByCategory,
  suppressed: Type.Optional(
    Type.Integer({ description: 'Findings left out by active exemptions' }),
  ),
});
export type InspectionSummary = Static<typeof InspectionSummary>;

export const InspectionRun = Type.Object({
  id: Type.String(),
  cluster: Type.String(),
  namespace: Nullable(Type.String()),
  workload: Nullable(Type.Object({ kind: Type.String(), name: Type.String() })),
  trigger: Type.Union([Type.Literal('schedule'), Type.Literal('manual')]),
  scheduleId: Nullable(Type.String()),
  requestedBy: Nullable(Type.String()),
  status: Type.Union([
    Type.Literal('queued'),
    Type.Literal('running'),
    Type.Literal('succeeded'),
    Type.Literal('failed'),
  ]),
  queuedAt: Nullable(Timestamp),
  startedAt: Nullable(Timestamp),
  finishedAt: Nullable(Timestamp),
  error: Nullable(Type.String()),
  summary: Nullable(InspectionSummary),
  objectCount: Nullable(Type.Integer()),
  counts: Type.Object({
    new: Nullable(Type.Integer()),
    resolved: Nullable(Type.Integer()),
    regressed: Nullable(Type.Integer()),
  }),
  notInspected: Type.Array(Type.Object({ kind: Type.String(), reason: Type.String() }), {
    description: 'What the run could not read (a kind, a metric, pod logs) and why',
  }),
});
export type InspectionRun = Static<typeof InspectionRun>;
export const InspectionRunList = Type.Object({ items: Type.Array(InspectionRun) });

export const InspectionFinding = Type.Object({
  fingerprint: Type.String(),
  cluster: Type.String(),
  ruleId: Type.String(),
  category: Category,
  severity: Severity,
  resource: Type.Object({
    apiVersion: Type.String(),
    kind: Type.String(),
    namespace: Nullable(Type.String()),
    name: Type.String(),
  }),
  owner: Type.Object({ kind: Type.String(), name: Type.String() }),
  title: Type.String(),
  message: Type.String(),
  evidence: Type.Array(Type.Unknown()),
  remediation: Type.Record(Type.String(), Type.Unknown()),
  status: FindingStatus,
  firstSeenAt: Timestamp,
  lastSeenAt: Timestamp,
  resolvedAt: Nullable(Timestamp),
});
export type InspectionFinding = Static<typeof InspectionFinding>;
export const InspectionFindingPage = Type.Object({
  items: Type.Array(InspectionFinding),
  nextCursor: Nullable(Type.String()),
});

export const InspectionTrendPoint = Type.Object({
  runId: Type.String(),
  time: Timestamp,
  overall: Type.Number(),
  scores: ByCategory,
  bySeverity: BySeverity,
  total: Type.Integer(),
  new: Type.Integer(),
  resolved: Type.Integer(),
  regressed: Type.Integer(),
});
export type InspectionTrendPoint = Static<typeof InspectionTrendPoint>;
export const InspectionTrendList = Type.Object({ items: Type.Array(InspectionTrendPoint) });

export const InspectionExemption = Type.Object({
  id: Type.String(),
  cluster: Nullable(Type.String()),
  ruleIds: Type.Array(Type.String()),
  resource: Type.Object({
    kind: Nullable(Type.String()),
    namespace: Nullable(Type.String()),
    name: Nullable(Type.String()),
  }),
  labelSelector: Nullable(Type.Record(Type.String(), Type.Unknown())),
  reason: Type.String(),
  expiresAt: Timestamp,
  createdBy: Nullable(Type.String()),
  createdAt: Timestamp,
  revokedAt: Nullable(Timestamp),
  revokedBy: Nullable(Type.String()),
});
export type InspectionExemption = Static<typeof InspectionExemption>;
export const InspectionExemptionList = Type.Object({ items: Type.Array(InspectionExemption) });
