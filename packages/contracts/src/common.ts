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

/** An http(s) URL that names a host (a name, an IPv4 address or a bracketed IPv6 one). */
export const HttpUrl = Type.String({
  // Checked by the server as a URL its parser accepts, beyond the pattern.
  format: 'http-url',
  pattern: '^https?://(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._-]+)(:[0-9]{1,5})?([/?#][^\\s]*)?$',
  maxLength: 2048,
});

/** Cursor pagination: pass `nextCursor` back as `cursor` until it is null. */
export const Page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export const Ok = Type.Object({ ok: Type.Literal(true) });
