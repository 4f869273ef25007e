import { randomBytes } from 'node:crypto';
import { hashToken } from '../auth/sessions.js';
import type { Principal } from '../auth/authorizer.js';
import type { Database } from '../store/database.js';
import type { MigrationSet } from '../store/migrate.js';

/** Which session or API token a ticket was issued under; the socket is checked against it again. */
export type TicketHolder = Pick<Principal, 'userId' | 'authMethod' | 'sessionId' | 'tokenId'>;

export const websocketTicketMigrations: MigrationSet = {
  module: 'websocket-tickets',
  migrations: [
    {
      version: 1,
      name: 'websocket tickets',
      sql: `
CREATE TABLE websocket_tickets (
  ticket_hash text PRIMARY KEY,
  user_id text NOT NULL,
  auth_method text NOT NULL,
  session_id text,
  token_id text,
  expires_at timestamptz NOT NULL
);
CREATE INDEX websocket_tickets_expires_at ON websocket_tickets (expires_at);
`,
    },
  ],
};

/**
 * Browsers cannot set headers on a WebSocket, so a socket URL carries a
 * ticket instead of a credential: random, valid for a few seconds and for one
 * upgrade only, stored in PostgreSQL so any replica can take it. A ticket
 * that lands in a proxy or access log is already spent or expired.
 */
export class WebSocketTicketStore {
  constructor(
    private readonly db: Database,
    readonly ttlSeconds: number,
  ) {}

  async issue(holder: TicketHolder): Promise<string> {
    const ticket = `kwt_${randomBytes(32).toString('base64url')}`;
    await this.db.query(
      `INSERT INTO websocket_tickets (ticket_hash, user_id, auth_method, session_id, token_id, expires_at)
       VALUES ($1, $2, $3, $4, $5, now() + $6 * interval '1 second')`,
      [
        hashToken(ticket),
        holder.userId,
        holder.authMethod,
        holder.sessionId,
        holder.tokenId,
        this.ttlSeconds,
      ],
    );
    // Spent and expired tickets are worthless; clearing them here keeps the table at a few rows.
    await this.db.query(
      `DELETE FROM websocket_tickets WHERE expires_at < now() - interval '1 minute'`,
    );
    return ticket;
  }

  /** Spends a ticket: the holder it was issued to, once, before it expires. */
  async redeem(ticket: string): Promise<TicketHolder | undefined> {
    const { rows } = await this.db.query<{
      user_id: string;
      auth_method: Principal['authMethod'];
      session_id: string | null;
      token_id: string | null;
      live: boolean;
    }>(
      `DELETE FROM websocket_tickets WHERE ticket_hash = $1
       RETURNING user_id, auth_method, session_id, token_id, expires_at > now() AS live`,
      [hashToken(ticket)],
    );
    const row = rows[0];
    if (!row?.live) return undefined;
    return {
      userId: row.user_id,
      authMethod: row.auth_method,
      sessionId: row.session_id,
      tokenId: row.token_id,
    };
  }
}
