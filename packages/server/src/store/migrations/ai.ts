import type { MigrationSet } from '../migrate.js';

/** The AI layer's explanation cache (providers/ai/postgres-explanation-cache.ts). */
export const aiMigrations: MigrationSet = {
  module: 'ai',
  migrations: [
    {
      version: 1,
      name: 'explanation cache',
      sql: `
CREATE TABLE ai_explanations (
  fingerprint text NOT NULL,
  model text NOT NULL,
  prompt_version text NOT NULL,
  explanation jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (fingerprint, model, prompt_version)
);
CREATE INDEX ai_explanations_created_at ON ai_explanations (created_at);
`,
    },
  ],
};
