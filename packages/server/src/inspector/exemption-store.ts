import type { Exemption } from '@kubeops/inspect';
import { invalidInput, notFound } from '../core/errors.js';
import type { Database } from '../store/database.js';

export interface ExemptionInput {
  cluster?: string | null | undefined;
  ruleIds?: string[] | undefined;
  resource?:
    | { kind?: string | undefined; namespace?: string | undefined; name?: string | undefined }
    | undefined;
  labelSelector?: Record<string, unknown> | undefined;
  reason: string;
  expiresAt: string;
}

export interface StoredExemption {
  id: string;
  cluster: string | null;
  ruleIds: string[];
  resource: { kind: string | null; namespace: string | null; name: string | null };
  labelSelector: Record<string, unknown> | null;
  reason: string;
  expiresAt: string;
  createdBy: string | null;
  createdAt: string;
  revokedAt: string | null;
  revokedBy: string | null;
}

type Row = {
  id: string;
  cluster: string | null;
  rule_ids: string[];
  kind: string | null;
  namespace: string | null;
  name: string | null;
  label_selector: Record<string, unknown> | null;
  reason: string;
  expires_at: Date;
  created_by: string | null;
  created_at: Date;
  revoked_at: Date | null;
  revoked_by: string | null;
};

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

const toStored = (r: Row): StoredExemption => ({
  id: r.id,
  cluster: r.cluster,
  ruleIds: r.rule_ids,
  resource: { kind: r.kind, namespace: r.namespace, name: r.name },
  labelSelector: r.label_selector,
  reason: r.reason,
  expiresAt: iso(r.expires_at)!,
  createdBy: r.created_by,
  createdAt: iso(r.created_at)!,
  revokedAt: iso(r.revoked_at),
  revokedBy: r.revoked_by,
});

/** The engine's form of a stored exemption. */
export function toEngineExemption(e: StoredExemption): Exemption {
  const resource = Object.fromEntries(
    Object.entries(e.resource).filter(([, v]) => v !== null),
  ) as Exemption['resource'];
  return {
    id: e.id,
    reason: e.reason,
    expiresAt: e.expiresAt,
    ...(e.ruleIds.length ? { ruleIds: e.ruleIds } : {}),
    ...(resource && Object.keys(resource).length ? { resource } : {}),
    ...(e.labelSelector ? { labelSelector: e.labelSelector } : {}),
    ...(e.createdBy ? { createdBy: e.createdBy } : {}),
  };
}

/**
 * Exemptions decided by people: each carries a reason and an expiry, and is
 * revoked rather than deleted so the record of who accepted what remains.
 */
export class ExemptionStore {
  constructor(private readonly db: Database) {}

  async create(
    input: ExemptionInput,
    createdBy: string | null,
    now = new Date(),
  ): Promise<StoredExemption> {
    if (!input.reason.trim()) throw invalidInput('reason', 'say why the finding is accepted');
    const expires = new Date(input.expiresAt);
    if (Number.isNaN(expires.getTime()) || expires <= now) {
      throw invalidInput('expiresAt', 'must be a time in the future');
    }
    const narrows =
      (input.ruleIds?.length ?? 0) > 0 ||
      Object.values(input.resource ?? {}).some(Boolean) ||
      input.labelSelector !== undefined;
    if (!narrows) {
      throw invalidInput(
        'ruleIds',
        'an exemption needs rule ids, a resource or a label selector; one with none would silence everything',
      );
    }
    const { rows } = await this.db.query<Row>(
      `INSERT INTO inspection_exemptions (cluster, rule_ids, kind, namespace, name, label_selector, reason, expires_at, created_by)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9) RETURNING *`,
      [
        input.cluster ?? null,
        input.ruleIds ?? [],
        input.resource?.kind ?? null,
        input.resource?.namespace ?? null,
        input.resource?.name ?? null,
        input.labelSelector === undefined ? null : JSON.stringify(input.labelSelector),
        input.reason.trim(),
        expires,
        createdBy,
      ],
    );
    return toStored(rows[0]!);
  }

  async revoke(id: string, revokedBy: string | null): Promise<StoredExemption> {
    const { rows } = await this.db.query<Row>(
      `UPDATE inspection_exemptions SET revoked_at = now(), revoked_by = $2
       WHERE id = $1 AND revoked_at IS NULL RETURNING *`,
      [id, revokedBy],
    );
    if (!rows[0]) throw notFound('exemption', id);
    return toStored(rows[0]);
  }

  async list(
    options: { cluster?: string | undefined; includeInactive?: boolean } = {},
  ): Promise<StoredExemption[]> {
    const { rows } = await this.db.query<Row>(
      `SELECT * FROM inspection_exemptions
       WHERE ($1::text IS NULL OR cluster IS NULL OR cluster = $1)
         AND ($2 OR (revoked_at IS NULL AND expires_at > now()))
       ORDER BY created_at DESC`,
      [options.cluster ?? null, options.includeInactive ?? false],
    );
    return rows.map(toStored);
  }

  /** Exemptions that apply to a run on `cluster`, in the engine's form. */
  async activeFor(cluster: string): Promise<Exemption[]> {
    return (await this.list({ cluster })).map(toEngineExemption);
  }
}
