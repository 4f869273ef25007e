import type { EvidenceReference } from './explanation.js';

/** What is kept of a model's explanation: already restored, so it holds real names. */
export interface CachedExplanation {
  rootCause: string;
  evidence: EvidenceReference[];
  remediationSteps: string[];
  confidence: number;
}

/** Answers are only reused for the same model and prompt version. */
export interface CacheScope {
  model: string;
  promptVersion: string;
}

/**
 * Explanations keyed by finding fingerprint + model + prompt version, so a
 * finding that stays open across scheduled runs costs tokens once.
 */
export interface ExplanationCache {
  getMany(fingerprints: string[], scope: CacheScope): Promise<Map<string, CachedExplanation>>;
  setMany(entries: Map<string, CachedExplanation>, scope: CacheScope): Promise<void>;
}

/** Within one process; the PostgreSQL cache shares answers across replicas and restarts. */
export class MemoryExplanationCache implements ExplanationCache {
  readonly #entries = new Map<string, { at: number; value: CachedExplanation }>();
  readonly #maxEntries: number;
  readonly #ttlMs: number;

  constructor(options: { maxEntries?: number; ttlMs?: number } = {}) {
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#ttlMs = options.ttlMs ?? DEFAULT_CACHE_TTL_MS;
  }

  async getMany(
    fingerprints: string[],
    scope: CacheScope,
  ): Promise<Map<string, CachedExplanation>> {
    const found = new Map<string, CachedExplanation>();
    const now = Date.now();
    for (const fingerprint of fingerprints) {
      const entry = this.#entries.get(cacheKey(fingerprint, scope));
      if (entry && now - entry.at <= this.#ttlMs)
        found.set(fingerprint, structuredClone(entry.value));
    }
    return found;
  }

  async setMany(entries: Map<string, CachedExplanation>, scope: CacheScope): Promise<void> {
    for (const [fingerprint, value] of entries) {
      const key = cacheKey(fingerprint, scope);
      this.#entries.delete(key);
      this.#entries.set(key, { at: Date.now(), value: structuredClone(value) });
    }
    // Maps iterate in insertion order, so the first keys are the oldest.
    for (const key of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxEntries) break;
      this.#entries.delete(key);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** An explanation is reused for a week; after that the cluster around the finding has likely moved on. */
export const DEFAULT_CACHE_TTL_MS = 7 * 24 * 3600 * 1000;

const cacheKey = (fingerprint: string, scope: CacheScope) =>
  `${scope.model}\u0000${scope.promptVersion}\u0000${fingerprint}`;
