import { Type, type Static } from '@sinclair/typebox';
import { Timestamp } from './common.js';

export const AuditResult = Type.Union([
  Type.Literal('success'),
  Type.Literal('failure'),
  Type.Literal('denied'),
]);
export type AuditResult = Static<typeof AuditResult>;

export const AuditTarget = Type.Object({
  cluster: Type.Union([Type.String(), Type.Null()]),
  namespace: Type.Union([Type.String(), Type.Null()]),
  kind: Type.Union([Type.String(), Type.Null()]),
  name: Type.Union([Type.String(), Type.Null()]),
});
export type AuditTarget = Static<typeof AuditTarget>;

export const AuditEntry = Type.Object({
  id: Type.String(),
  time: Timestamp,
  actor: Type.Union([Type.String(), Type.Null()], {
    description: 'Username, or the name tried at login',
  }),
  actorId: Type.Union([Type.String(), Type.Null()]),
  sourceIp: Type.Union([Type.String(), Type.Null()]),
  userAgent: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  target: AuditTarget,
  result: AuditResult,
  statusCode: Type.Union([Type.Integer(), Type.Null()]),
  requestId: Type.Union([Type.String(), Type.Null()]),
  details: Type.Record(Type.String(), Type.Unknown()),
});
export type AuditEntry = Static<typeof AuditEntry>;

export const AuditQuery = Type.Object(
  {
    actor: Type.Optional(Type.String({ maxLength: 200 })),
    action: Type.Optional(
      Type.String({ maxLength: 200, description: 'Exact action, or a prefix ending in *' }),
    ),
    result: Type.Optional(AuditResult),
    cluster: Type.Optional(Type.String({ maxLength: 253 })),
    namespace: Type.Optional(Type.String({ maxLength: 63 })),
    kind: Type.Optional(Type.String({ maxLength: 100 })),
    name: Type.Optional(Type.String({ maxLength: 253 })),
    since: Type.Optional(Type.String({ format: 'date-time' })),
    until: Type.Optional(Type.String({ format: 'date-time' })),
    cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;

export const AuditExportQuery = Type.Composite(
  [
    Type.Omit(AuditQuery, ['cursor', 'limit']),
    Type.Object({ format: Type.Union([Type.Literal('csv'), Type.Literal('json')]) }),
  ],
  { additionalProperties: false },
);
export type AuditExportQuery = Static<typeof AuditExportQuery>;

export const AuditPage = Type.Object({
  items: Type.Array(AuditEntry),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type AuditPage = Static<typeof AuditPage>;
