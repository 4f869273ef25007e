import { SEVERITIES, atLeast, type Severity } from '@kubeops/inspect';
import { conflict, invalidInput, KubeOpsError, notFound } from '../core/errors.js';
import { isHttpUrl } from '../core/http-url.js';
import type { Logger } from '../core/logging.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { Database } from '../store/database.js';
import { UNIQUE_VIOLATION, pgErrorCode } from '../store/database.js';
import { createChannel, type ChannelConfig } from '../providers/notify/channels.js';
import type { EgressGuard } from '../core/egress-guard.js';
import type { InspectionNotice, NotifiedFinding } from '../providers/notify/message.js';

export interface ChannelSettings {
  name: string;
  cluster?: string | null | undefined;
  minSeverity?: Severity | undefined;
  /** Only findings that are new or regressed in the run (the default). */
  newOnly?: boolean | undefined;
  enabled?: boolean | undefined;
  config: ChannelConfig;
}

export interface StoredChannel {
  id: string;
  name: string;
  type: ChannelConfig['type'];
  cluster: string | null;
  minSeverity: Severity;
  newOnly: boolean;
  enabled: boolean;
  createdAt: string;
}

type Row = {
  id: string;
  name: string;
  type: ChannelConfig['type'];
  cluster: string | null;
  min_severity: Severity;
  new_only: boolean;
  enabled: boolean;
  created_at: Date;
};

const toStored = (r: Row): StoredChannel => ({
  id: r.id,
  name: r.name,
  type: r.type,
  cluster: r.cluster,
  minSeverity: r.min_severity,
  newOnly: r.new_only,
  enabled: r.enabled,
  createdAt: new Date(r.created_at).toISOString(),
});

const secretName = (id: string) => `inspector/channels/${id}`;

/** What a run hands to notification: its findings with their lifecycle status. */
export interface RunDigest extends Omit<InspectionNotice, 'findings'> {
  findings: NotifiedFinding[];
}

/**
 * Notification channels. Their configuration holds webhook tokens, signing
 * secrets and SMTP passwords, so all of it is sealed in the SecretBox; the
 * row keeps only what listing and routing need.
 */
export class ChannelStore {
  constructor(
    private readonly db: Database,
    private readonly secrets: SecretBox,
    private readonly logger: Logger,
    private readonly egress: EgressGuard,
  ) {}

  async create(settings: ChannelSettings, createdBy: string | null): Promise<StoredChannel> {
    if (settings.config.type !== 'email' && !isHttpUrl(settings.config.url)) {
      throw invalidInput('body.config.url', 'must be an http(s) URL');
    }
    try {
      return await this.db.transaction(async (tx) => {
        const { rows } = await tx.query<Row>(
          `INSERT INTO inspection_channels (name, type, cluster, min_severity, new_only, enabled, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
          [
            settings.name,
            settings.config.type,
            settings.cluster ?? null,
            settings.minSeverity ?? 'warning',
            settings.newOnly ?? true,
            settings.enabled ?? true,
            createdBy,
          ],
        );
        const row = rows[0]!;
        await this.secrets.put(secretName(row.id), JSON.stringify(settings.config), tx);
        return toStored(row);
      });
    } catch (error) {
      if (pgErrorCode(error) === UNIQUE_VIOLATION) {
        throw conflict(`A channel named ${settings.name} already exists`, { field: 'name' });
      }
      throw error;
    }
  }

  async list(): Promise<StoredChannel[]> {
    const { rows } = await this.db.query<Row>('SELECT * FROM inspection_channels ORDER BY name');
    return rows.map(toStored);
  }

  async remove(id: string): Promise<StoredChannel> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<Row>(
        'DELETE FROM inspection_channels WHERE id = $1 RETURNING *',
        [id],
      );
      if (!rows[0]) throw notFound('channel', id);
      await this.secrets.delete(secretName(id), tx);
      return toStored(rows[0]);
    });
  }

  private async open(channel: StoredChannel) {
    const config = await this.secrets.getString(secretName(channel.id));
    if (!config) throw notFound('channel configuration', channel.id);
    return createChannel(JSON.parse(config) as ChannelConfig, this.egress);
  }

  /** Sends a test notice through one channel; delivery errors reach the caller. */
  /** Sends a test notice; an endpoint that refuses it is a result to show, not an error. */
  async test(
    id: string,
    notice: InspectionNotice,
  ): Promise<{ ok: boolean; delivered: boolean; error?: string }> {
    const channel = (await this.list()).find((c) => c.id === id);
    if (!channel) throw notFound('channel', id);
    try {
      await (await this.open(channel)).send(notice);
      return { ok: true, delivered: true };
    } catch (error) {
      if (error instanceof KubeOpsError && error.code === 'notification_failed') {
        return { ok: true, delivered: false, error: error.message };
      }
      throw error;
    }
  }

  /**
   * Sends a run's digest to every enabled channel of its cluster. Each channel
   * gets the findings at or above its severity, only new and regressed ones
   * in new-only mode, and nothing at all when none is left. A failing channel
   * is logged; it neither fails the run nor stops the others.
   */
  async dispatch(
    digest: RunDigest,
  ): Promise<Array<{ channel: string; sent: boolean; error?: string }>> {
    const channels = (await this.list()).filter(
      (c) => c.enabled && (c.cluster === null || c.cluster === digest.cluster),
    );
    const outcomes = [];
    for (const channel of channels) {
      const findings = digest.findings.filter(
        (f) =>
          atLeast(f.severity, channel.minSeverity) &&
          (!channel.newOnly || f.status === 'new' || f.status === 'regressed'),
      );
      if (findings.length === 0 && (channel.newOnly || digest.counts.resolved === 0)) {
        outcomes.push({ channel: channel.name, sent: false });
        continue;
      }
      try {
        await (await this.open(channel)).send({ ...digest, findings });
        outcomes.push({ channel: channel.name, sent: true });
      } catch (error) {
        const message = (error as Error).message;
        this.logger.warn({ channel: channel.name, err: message }, 'inspection notification failed');
        outcomes.push({ channel: channel.name, sent: false, error: message });
      }
    }
    return outcomes;
  }
}

export function isSeverity(value: string): value is Severity {
  return (SEVERITIES as readonly string[]).includes(value);
}
