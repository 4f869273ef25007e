import { Type, type Static } from '@sinclair/typebox';

export const HealthStatus = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  checks: Type.Optional(
    Type.Record(
      Type.String(),
      Type.Object({ ok: Type.Boolean(), message: Type.Optional(Type.String()) }),
    ),
  ),
});
export type HealthStatus = Static<typeof HealthStatus>;
