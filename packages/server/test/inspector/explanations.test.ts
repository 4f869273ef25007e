import { runInspection, type KubeObject, type Snapshot } from '@kubeops/inspect';
import { Value } from '@sinclair/typebox/value';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AiSettingsSchema,
  findingExplainer,
  type AiSettings,
  type Explanation,
} from '../../src/providers/ai/index.js';
import { inspectorMigrations } from '../../src/inspector/migrations.js';
import { explainRun } from '../../src/inspector/run-explanations.js';
import { FindingStore } from '../../src/inspector/store/finding-store.js';
import { RunStore } from '../../src/inspector/store/run-store.js';
import type { Database } from '../../src/store/database.js';
import { migrate } from '../../src/store/migrate.js';
import { aiMigrations } from '../../src/store/migrations/ai.js';
import { openDatabase } from '../../src/store/open.js';
import { testEnvironment, type TestEnvironment } from '../support/backends.js';
import { chatCompletion, type FakeServer } from '../providers/ai/fake-server.js';
import { startScriptedModel, validAnswer } from '../providers/ai/scripted-model.js';

const NOW = '2026-01-15T12:00:00Z';

/** A namespace with three problems on three resources: a privileged Deployment, a Service selecting nothing, a pending claim. */
function shopSnapshot(): Snapshot {
  const objects = [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'payments', namespace: 'shop', uid: 'uid-payments' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'payments' } },
        template: {
          metadata: { labels: { app: 'payments' } },
          spec: {
            containers: [
              {
                name: 'app',
                image: 'registry.shop.example.com/payments:3.1.0',
                securityContext: { privileged: true },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'ledger', namespace: 'shop', uid: 'uid-ledger' },
      spec: { selector: { app: 'ledger' }, ports: [{ port: 80 }] },
    },
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'receipts', namespace: 'shop', uid: 'uid-receipts' },
      spec: { storageClassName: 'fast-ssd', resources: { requests: { storage: '1Gi' } } },
      status: { phase: 'Pending' },
    },
  ] as KubeObject[];
  return { objects, now: NOW };
}

const RULES = ['container-privileged', 'service-selector-no-match', 'pvc-pending'];

const settingsOf = (input: unknown): AiSettings =>
  Value.Default(AiSettingsSchema, structuredClone(input)) as AiSettings;

describe('explanations of inspection runs on PostgreSQL', () => {
  let env: TestEnvironment;
  let db: Database;
  let findingStore: FindingStore;
  let runStore: RunStore;
  let servers: FakeServer[] = [];

  beforeAll(async () => {
    env = testEnvironment('postgres');
    db = await openDatabase(env.config());
    await migrate(db, [inspectorMigrations, aiMigrations]);
    findingStore = new FindingStore(db);
    runStore = new RunStore(db);
  });
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
  });
  afterAll(async () => {
    await db?.close();
    await env?.cleanup();
  });

  async function model(usage?: { prompt_tokens: number; completion_tokens: number }) {
    const server = await startScriptedModel((turn) => ({
      status: 200,
      body: chatCompletion(validAnswer(turn), usage),
    }));
    servers.push(server);
    return server;
  }

  // Answers are cached by fingerprint and model; a model name per test keeps the tests apart.
  const provider = (server: FakeServer, model: string) => ({
    type: 'openai-compatible',
    vendor: 'vllm',
    baseUrl: `${server.url}/v1`,
    model,
    retry: { retries: 0 },
  });

  /** One inspection run of the snapshot, stored with its lifecycle, then explained. */
  async function inspectAndExplain(cluster: string, settings: AiSettings) {
    const snapshot = shopSnapshot();
    const { findings } = runInspection(snapshot, { rules: RULES });
    const run = await runStore.enqueue({ cluster, trigger: 'manual' });
    const outcome = await findingStore.recordRun(
      run.id,
      cluster,
      {},
      findings.map((finding) => ({
        finding,
        owner: { kind: finding.resource.kind, name: finding.resource.name },
      })),
      new Date(NOW),
      db,
    );
    const explained = await explainRun(
      findingExplainer(settings, { db }),
      findingStore,
      { cluster, findings, statuses: outcome.seen },
      snapshot,
    );
    return { explained, findings, outcome };
  }

  async function storedExplanations(cluster: string): Promise<Map<string, Explanation | null>> {
    const { rows } = await db.query<{ name: string; explanation: Explanation | null }>(
      'SELECT name, explanation FROM inspection_findings WHERE cluster = $1',
      [cluster],
    );
    return new Map(rows.map((r) => [r.name, r.explanation]));
  }

  it('stores a model explanation, with the real names restored, on each new finding', async () => {
    const server = await model();
    const { explained, findings } = await inspectAndExplain(
      'explained',
      settingsOf({ provider: provider(server, 'scripted'), maxFindingsPerBatch: 1 }),
    );
    expect(findings.map((f) => f.resource.name).sort()).toEqual(['ledger', 'payments', 'receipts']);
    expect(explained).toMatchObject({ requested: 3, stored: 3, calls: 3, budgetExhausted: false });

    const stored = await storedExplanations('explained');
    for (const name of ['ledger', 'payments', 'receipts']) {
      expect(stored.get(name)).toMatchObject({
        source: 'ai',
        model: 'vllm/scripted',
        rootCause: `shop/${name} cannot reach its database`,
      });
    }
    // What left the process named no resource and no namespace.
    const prompts = server.requests.map((r) => JSON.stringify(r.body.messages)).join('\n');
    for (const name of ['ledger', 'payments', 'receipts', 'shop']) {
      expect(prompts).not.toContain(`"${name}"`);
      expect(prompts).not.toMatch(new RegExp(`\\b${name}\\b`));
    }
  });

  it('does not ask again for findings that stay open; their explanations stay', async () => {
    const server = await model();
    const settings = settingsOf({ provider: provider(server, 'repeat'), maxFindingsPerBatch: 1 });
    await inspectAndExplain('repeated', settings);
    expect(server.requests).toHaveLength(3);

    const { explained, outcome } = await inspectAndExplain('repeated', settings);
    expect([...outcome.seen.values()]).toEqual(['open', 'open', 'open']);
    expect(explained).toMatchObject({ requested: 0, calls: 0 });
    expect(server.requests).toHaveLength(3);
    const stored = await storedExplanations('repeated');
    expect([...stored.values()].every((e) => e?.source === 'ai')).toBe(true);
  });

  it('stops calling the model when the run token budget is spent; the rest keep their rule explanation', async () => {
    // Each answer reports 1,800 tokens: the first call fits the 2,500-token budget, a second does not.
    const server = await model({ prompt_tokens: 1_500, completion_tokens: 300 });
    const { explained } = await inspectAndExplain(
      'budget',
      settingsOf({
        provider: provider(server, 'budget'),
        tokenBudget: 2_500,
        maxAnswerTokens: 600,
        maxFindingsPerBatch: 1,
      }),
    );
    expect(server.requests).toHaveLength(1);
    expect(explained).toMatchObject({
      requested: 3,
      stored: 1,
      calls: 1,
      usedTokens: 1_800,
      budgetExhausted: true,
    });
    const stored = [...(await storedExplanations('budget')).values()];
    expect(stored.filter((e) => e?.source === 'ai')).toHaveLength(1);
    expect(stored.filter((e) => e === null)).toHaveLength(2);
  });

  it('without a provider stores nothing: the rule explanation stands', async () => {
    const { explained } = await inspectAndExplain('no-provider', settingsOf({}));
    expect(explained).toMatchObject({ requested: 3, stored: 0, calls: 0 });
    expect([...(await storedExplanations('no-provider')).values()]).toEqual([null, null, null]);
  });
});
