import type { MigrationSet } from '../store/migrate.js';

/**
 * `kube:write` and `kube:exec` split cluster changes and exec off `clusters:read`.
 * Built-in roles that work on clusters (operator, developer) and custom roles
 * that could already manage clusters (`clusters:write`, `clusters:*`) keep
 * what they could do; viewers and read-only roles become read-only. An API
 * token keeps changes and exec only when it was scoped beyond reading
 * clusters (`*`, `clusters:write`, `clusters:*`), so a `clusters:read` token
 * no longer deletes pods.
 */
export const kubeMigrations: MigrationSet = {
  module: 'kube',
  migrations: [
    {
      version: 1,
      name: 'kube-write-and-exec-permissions',
      sql: `
UPDATE roles SET permissions = permissions || ARRAY['kube:write', 'kube:exec']::text[], updated_at = now()
 WHERE NOT ('*' = ANY(permissions))
   AND NOT ('kube:write' = ANY(permissions))
   AND ((builtin AND name IN ('operator', 'developer'))
     OR (NOT builtin AND ('clusters:write' = ANY(permissions) OR 'clusters:*' = ANY(permissions))));
UPDATE api_tokens SET scopes = scopes || ARRAY['kube:write', 'kube:exec']::text[]
 WHERE NOT ('*' = ANY(scopes))
   AND NOT ('kube:write' = ANY(scopes))
   AND ('clusters:write' = ANY(scopes) OR 'clusters:*' = ANY(scopes));`,
    },
  ],
};
