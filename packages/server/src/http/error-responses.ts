/**
 * The OpenAPI response entries for the error statuses a route can answer,
 * all with the uniform `{code, message, details}` body. The statuses stay in
 * the type so Fastify still knows which codes a route may reply with.
 */
export function errorResponses<const S extends readonly number[]>(
  ...statuses: S
): { [K in S[number]]: { $ref: string } } {
  return Object.fromEntries(statuses.map((status) => [status, { $ref: 'ErrorBody' }])) as {
    [K in S[number]]: { $ref: string };
  };
}
