import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/store/database.js';
import { migrate } from '../../../src/store/migrate.js';
import { aiMigrations } from '../../../src/store/migrations/ai.js';
import { MIGRATIONS } from '../../../src/store/migrations/index.js';
import { openDatabase } from '../../../src/store/open.js';
import {
  createAiProvider,
  explainFindings,
  PostgresExplanationCache,
  type CachedExplanation,
} from '../../../src/providers/ai/index.js';
import { BACKENDS, testEnvironment, type TestEnvironment } from '../../support/backends.js';
import { shopFindings } from './findings.js';
import { startScriptedModel, validAnswer } from './scripted-model.js';

const scope = { model: 'openai/gpt-4o-mini', promptVersion: 'v1' };
const answer: CachedExplanation = {
  rootCause: 'The database host 10.20.30.40 is down',
  evidence: [{ fingerprint: 'fp-1', index: 1 }],
  remediationSteps: ['Restart the database', 'Check the Service "db"'],
  confidence: 0.75,
};

it('registers the explanation cache migration with the server', () => {
  expect(MIGRATIONS).toContain(aiMigrations);
});

describe.each(BACKENDS)('explanation cache on %s', (backend) => {
  let env: TestEnvironment;
  let db: Database;

  beforeAll(async () => {
    env = testEnvironment(backend);
    db = await openDatabase(env.config());
    await migrate(db, [aiMigrations]);
  });
  afterAll(async () => {
    await db?.close();
    await env?.cleanup();
  });

  it('stores and reads answers by fingerprint, model and prompt version', async () => {
    const cache = new PostgresExplanationCache(db);
    await cache.setMany(new Map([['fp-1', answer]]), scope);
    expect(await cache.getMany(['fp-1', 'fp-2'], scope)).toEqual(new Map([['fp-1', answer]]));
    expect(await cache.getMany(['fp-1'], { ...scope, model: 'ollama/llama3.2' })).toEqual(
      new Map(),
    );
    expect(await cache.getMany(['fp-1'], { ...scope, promptVersion: 'v2' })).toEqual(new Map());

    const updated = { ...answer, confidence: 0.9 };
    await cache.setMany(new Map([['fp-1', updated]]), scope);
    expect((await cache.getMany(['fp-1'], scope)).get('fp-1')).toEqual(updated);
  });

  it('ignores and prunes answers older than the time to live', async () => {
    await db.query(
      `INSERT INTO ai_explanations (fingerprint, model, prompt_version, explanation, created_at)
       VALUES ('fp-old', $1, $2, $3::jsonb, now() - interval '8 days')`,
      [scope.model, scope.promptVersion, JSON.stringify(answer)],
    );
    const cache = new PostgresExplanationCache(db);
    expect(await cache.getMany(['fp-old'], scope)).toEqual(new Map());
    expect(await cache.prune()).toBe(1);
    // Fresh answers survive the pruning.
    const fresh = await new PostgresExplanationCache(db, { ttlMs: 60_000 }).getMany(
      ['fp-1'],
      scope,
    );
    expect(fresh.has('fp-1')).toBe(true);
  });

  it('lets a second run (another replica) reuse the first run’s answers', async () => {
    const server = await startScriptedModel((turn) => validAnswer(turn));
    try {
      const provider = createAiProvider({
        type: 'openai-compatible',
        baseUrl: server.url,
        model: 'scripted',
      });
      const { findings, objects } = shopFindings();
      const first = await explainFindings(
        findings,
        { objects },
        { provider, cache: new PostgresExplanationCache(db) },
      );
      const second = await explainFindings(
        findings,
        { objects },
        { provider, cache: new PostgresExplanationCache(db) },
      );
      expect(server.requests).toHaveLength(2);
      expect(second.cacheHits).toBe(findings.length);
      expect(second.explanations.map((e) => e.rootCause)).toEqual(
        first.explanations.map((e) => e.rootCause),
      );
      expect(second.explanations[1]!.rootCause).toBe(
        'shop/web-7d9f-aaaaa cannot reach its database',
      );
    } finally {
      await server.close();
    }
  });
});
