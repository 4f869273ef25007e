import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/core/config.js';
import { withPassword } from '../src/store/postgres.js';

const key = Buffer.alloc(32, 1).toString('base64');

describe('database.password', () => {
  it('reaches node-postgres intact, whatever its characters, when the URL holds none', () => {
    const password = 'p@ss:w/rd%zz?#&= é';
    const config = loadConfig({
      env: {
        KUBEOPS_DATABASE_URL: 'postgresql://kubeops@db.example:5432/kubeops?sslmode=require',
        KUBEOPS_DATABASE_PASSWORD: password,
        KUBEOPS_ENCRYPTION_KEY: key,
      },
    });
    const client = new pg.Client({
      connectionString: withPassword(config.database.url!, config.database.password),
    });
    expect(client.password).toBe(password);
    expect(client.user).toBe('kubeops');
    expect(client.host).toBe('db.example');
    expect(client.database).toBe('kubeops');
  });

  it('leaves a password already in the URL alone', () => {
    const url = 'postgresql://kubeops:inurl@db/kubeops';
    expect(withPassword(url, 'other')).toBe(url);
    expect(withPassword(url, undefined)).toBe(url);
  });
});
