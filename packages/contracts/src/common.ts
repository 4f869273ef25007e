import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** The one error shape every KubeOps API answers with when a request fails. */
export const ErrorBody = Type.Object(
  {
    code: Type.String({
      description: 'Stable, machine-readable error code',
      examples: ['invalid_request'],
    }),
    message: Type.String({ description: 'What went wrong, in words a person can act on' }),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { $id: 'ErrorBody', additionalProperties: false },
);
export type ErrorBody = Static<typeof ErrorBody>;

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });
export type IdParams = Static<typeof IdParams>;

export const Timestamp = Type.String({ format: 'date-time' });

/** Cursor pagination: pass `nextCursor` back as `cursor` until it is null. */
export const Page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export const Ok = Type.Object({ ok: Type.Literal(true) });
