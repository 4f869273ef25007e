import type { MigrationSet } from '../migrate.js';

/** Sign-in hardening: MFA step tokens, forced password change, provider groups held to the local rules. */
export const identityMigrations: MigrationSet = {
  module: 'identity',
  migrations: [
    {
      version: 1,
      name: 'mfa challenges, password change, provider groups',
      sql: `
-- One row per password step that still needs a second factor: the step token
-- names it, so it is spent on success and burnt after too many wrong codes.
CREATE TABLE mfa_challenges (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  attempts integer NOT NULL DEFAULT 0,
  expires_at timestamptz NOT NULL,
  consumed_at timestamptz
);
CREATE INDEX mfa_challenges_expires ON mfa_challenges (expires_at);
ALTER TABLE users ADD COLUMN password_change_required boolean NOT NULL DEFAULT false;
-- Groups from a provider used to be stored as claimed; keep only names a
-- local group may have (GroupName in @kubeops/contracts, as of this version;
-- the next sign-in applies the current rule).
UPDATE users SET groups = ARRAY(
  SELECT g FROM unnest(groups) AS g
  WHERE g ~ '^[A-Za-z0-9][A-Za-z0-9._:@/-]*$' AND length(g) <= 128
) WHERE source = 'oidc';
-- A user binding must name the user's id; one stored with a username granted
-- nothing. Point it at that user (unless the same binding by id exists).
UPDATE role_bindings b SET subject = u.id FROM users u
WHERE b.subject_kind = 'user' AND b.subject = u.username
  AND NOT EXISTS (SELECT 1 FROM users WHERE id = b.subject)
  AND NOT EXISTS (
    SELECT 1 FROM role_bindings d WHERE d.role = b.role AND d.subject_kind = 'user' AND d.subject = u.id
      AND d.cluster IS NOT DISTINCT FROM b.cluster AND d.namespace IS NOT DISTINCT FROM b.namespace
  );`,
    },
  ],
};
