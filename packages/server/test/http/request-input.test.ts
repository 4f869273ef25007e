import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonDepth } from '../../src/http/json-body.js';
import { startTestApp, type TestApp } from '../support/app.js';

describe('request input the server does not trust', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('pglite');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('measures JSON nesting without parsing, ignoring brackets inside strings', () => {
    expect(jsonDepth('{"a":[1,{"b":"[[[{{{"}]}', 10)).toBe(3);
    expect(jsonDepth('"\\"["', 10)).toBe(0);
    expect(jsonDepth('['.repeat(11) + ']'.repeat(11), 10)).toBe(-1);
  });

  it('answers 100 000 nested arrays with a 400 naming the body, signed in or not', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    for (const url of ['/api/v1/auth/login', '/api/v1/users']) {
      const response = await t.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json' },
        payload: deep,
      });
      // The users route wants a token first; it must still never be a 500.
      expect(response.statusCode, url).toBeLessThan(500);
      if (url === '/api/v1/auth/login') {
        expect(response.statusCode).toBe(400);
        expect(response.json()).toMatchObject({
          code: 'invalid_request',
          details: { field: 'body' },
          message: expect.stringMatching(/deeper than 64 levels/),
        });
      }
    }
    const token = (await t.login()).accessToken;
    const signedIn = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      payload: `{"username":"deep","password":"long-enough-password","groups":${deep}}`,
    });
    expect(signedIn.statusCode).toBe(400);
    expect(signedIn.json().details.field).toBe('body');
  });

  it('still takes ordinary JSON and refuses prototype poisoning', async () => {
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"username":"admin","password":"wrong-password-here"}',
    });
    expect(login.statusCode).toBe(401);
    const poisoned = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"username":"admin","password":"x","__proto__":{"admin":true}}',
    });
    expect(poisoned.statusCode).toBe(400);
  });

  it('makes up every request id itself and records what the client sent apart', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'x-request-id': 'trace-123' },
      payload: { username: 'nobody', password: 'wrong-password' },
    });
    const id = String(response.headers['x-request-id']);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const { rows } = await t.ctx.db.query<{ details: Record<string, unknown> }>(
      'SELECT details FROM audit_log WHERE request_id = $1',
      [id],
    );
    expect(rows[0]?.details).toMatchObject({ clientRequestId: 'trace-123' });
    // A client cannot make its entries look like someone else's request.
    const { rows: spoofed } = await t.ctx.db.query(
      'SELECT 1 FROM audit_log WHERE request_id = $1',
      ['trace-123'],
    );
    expect(spoofed).toEqual([]);
    const junk = await t.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'bad id\n' },
    });
    expect(junk.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
