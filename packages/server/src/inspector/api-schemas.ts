import { Type, type Static } from '@sinclair/typebox';
import { HttpUrl } from '@kubeops/contracts';
import { CATEGORIES, SEVERITIES } from '@kubeops/inspect';
import { CHANNEL_TYPES } from '../providers/notify/channels.js';

const literals = <T extends string>(values: readonly T[]) =>
  Type.Union(values.map((v) => Type.Literal(v)));

const ClusterName = Type.String({
  minLength: 1,
  maxLength: 63,
  pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
});
const NamespaceName = Type.String({
  minLength: 1,
  maxLength: 63,
  pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
});
export const Severity = literals(SEVERITIES);
export const Category = literals(CATEGORIES);
const Workload = Type.Object(
  {
    kind: Type.String({ minLength: 1, maxLength: 100, examples: ['Deployment'] }),
    name: Type.String({ minLength: 1, maxLength: 253 }),
  },
  { additionalProperties: false },
);

export const RunRequestBody = Type.Object(
  {
    cluster: ClusterName,
    namespace: Type.Optional(NamespaceName),
    workload: Type.Optional(Workload),
  },
  { additionalProperties: false },
);
export type RunRequestBody = Static<typeof RunRequestBody>;

export const RunListQuery = Type.Object(
  {
    cluster: ClusterName,
    before: Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  },
  { additionalProperties: false },
);

export const RunIdParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,18}$' }) });
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

const FindingStatus = literals(['new', 'open', 'resolved', 'regressed'] as const);

export const FindingQuery = Type.Object(
  {
    cluster: ClusterName,
    namespace: Type.Optional(NamespaceName),
    minSeverity: Type.Optional(Severity),
    category: Type.Optional(Category),
    ruleId: Type.Optional(Type.String({ maxLength: 100 })),
    status: Type.Optional(Type.Array(FindingStatus, { maxItems: 4 })),
    kind: Type.Optional(Type.String({ maxLength: 100 })),
    name: Type.Optional(Type.String({ maxLength: 253 })),
    runId: Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$' })),
    cursor: Type.Optional(Type.String({ maxLength: 128 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  { additionalProperties: false },
);
export type FindingQuery = Static<typeof FindingQuery>;

export const TrendQuery = Type.Object(
  {
    cluster: ClusterName,
    namespace: Type.Optional(NamespaceName),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 30 })),
  },
  { additionalProperties: false },
);

export const ExemptionBody = Type.Object(
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
export type ExemptionBody = Static<typeof ExemptionBody>;

export const ExemptionListQuery = Type.Object(
  {
    cluster: Type.Optional(ClusterName),
    includeInactive: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const ScheduleBody = Type.Object(
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
export type ScheduleBody = Static<typeof ScheduleBody>;

const Secret = Type.Optional(Type.String({ minLength: 1, maxLength: 512 }));

export const ChannelConfigBody = Type.Union([
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

export const ChannelBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    cluster: Type.Optional(ClusterName),
    minSeverity: Type.Optional(Severity),
    newOnly: Type.Optional(
      Type.Boolean({ description: 'Only findings new or regressed in the run (default true)' }),
    ),
    enabled: Type.Optional(Type.Boolean()),
    config: ChannelConfigBody,
  },
  { additionalProperties: false },
);
export type ChannelBody = Static<typeof ChannelBody>;

export const CHANNEL_TYPE_NAMES = CHANNEL_TYPES;
