import type { Database } from './database.js';

/** Platform settings an administrator changes at run time (JSON values by key). */
export class SettingsStore {
  constructor(private readonly db: Database) {}

  async get<T>(key: string): Promise<T | undefined> {
    const { rows } = await this.db.query<{ value: T }>(
      'SELECT value FROM settings WHERE key = $1',
      [key],
    );
    return rows[0]?.value;
  }

  async put(key: string, value: unknown): Promise<void> {
    await this.db.query(
      `INSERT INTO settings (key, value) VALUES ($1, $2::jsonb)
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
      [key, JSON.stringify(value)],
    );
  }
}
