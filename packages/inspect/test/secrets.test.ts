import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { findSecrets, looksRandom, secretShapeIn, shannonEntropy } from '../src/index.js';
import { findings, obj, snapshot } from './fixtures.js';

// Built at run time, so no scanner mistakes this file for a leak.
const alnum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const random = (length: number, alphabet = alnum) =>
  Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');

describe('the shared secret detectors', () => {
  it('find each credential as a range the caller can cut out', () => {
    const token = `github_pat_${random(22)}_${random(59)}`;
    const key = `-----BEGIN OPENSSH PRIVATE KEY-----\n${random(70)}\n-----END OPENSSH PRIVATE KEY-----`;
    const text = `a ${token} b ${key} c Cookie: sid=${random(20)}\nd`;
    const found = findSecrets(text);
    expect(found.map((s) => s.what)).toEqual(['GitHub token', 'private key', 'cookie']);
    expect(text.slice(found[0]!.start, found[0]!.end)).toBe(token);
    expect(text.slice(found[1]!.start, found[1]!.end)).toBe(key);
    expect(text.slice(found[2]!.start, found[2]!.end)).toMatch(/^sid=\w{20}$/);
  });

  it('cut out a private key in any armour spelling, up to its END line', () => {
    for (const [begin, end] of [
      ['-----BEGIN rsa private key-----', '-----END rsa private key-----'],
      ['---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----', '---- END SSH2 ENCRYPTED PRIVATE KEY ----'],
    ]) {
      const key = `${begin}\n${random(64)}\n${end}`;
      const text = `before ${key} after`;
      const [found] = findSecrets(text);
      expect(found?.what).toBe('private key');
      expect(text.slice(found!.start, found!.end)).toBe(key);
    }
  });

  it('name a finding only by shape: headers and entropy redact, they do not report', () => {
    expect(secretShapeIn(`x xoxb-${random(30)}`)).toBe('Slack token');
    expect(secretShapeIn('-----BEGIN ENCRYPTED PRIVATE KEY-----')).toBe('private key');
    expect(secretShapeIn('-----BEGIN PGP PRIVATE KEY BLOCK-----')).toBe('private key');
    expect(secretShapeIn(`Cookie: sid=${random(20)}`)).toBeUndefined();
    expect(secretShapeIn(random(64))).toBeUndefined();
    expect(findSecrets(random(64), 'context').map((s) => s.what)).toEqual([
      'random-looking string',
    ]);
  });

  it('recognise a private key in any PEM spelling, PuTTY files and base64-encoded PEM', () => {
    const body = random(64);
    const spellings = [
      `-----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END RSA PRIVATE KEY-----`,
      `---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\n${body}\n---- END SSH2 ENCRYPTED PRIVATE KEY ----`,
      `-----begin private key-----\n${body}\n-----end private key-----`,
      `PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nPrivate-Lines: 1\n${body}`,
      btoa(`-----BEGIN EC PRIVATE KEY-----\n${body}\n-----END EC PRIVATE KEY-----\n`),
    ];
    for (const text of spellings) {
      expect(secretShapeIn(`key: ${text}`), text).toBe('private key');
    }
    // The whole armoured block is one range, END line included.
    const ssh2 = spellings[1]!;
    const [match] = findSecrets(`a ${ssh2} b`);
    expect(match && `a ${ssh2} b`.slice(match.start, match.end)).toBe(ssh2);
  });

  it('do not take certificates, public keys or other base64 for private keys', () => {
    const body = random(64);
    const harmless = [
      `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----`,
      `-----BEGIN PUBLIC KEY-----\n${body}\n-----END PUBLIC KEY-----`,
      btoa(`-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`),
    ];
    for (const text of harmless) expect(secretShapeIn(text), text).toBeUndefined();
  });

  it('tell key material from digests, UUIDs and words by mix and entropy', () => {
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('abcd')).toBe(2);
    expect(looksRandom(random(40))).toBe(true);
    expect(looksRandom(random(64, '0123456789abcdef'))).toBe(false);
    expect(looksRandom('ReconcileDeploymentControllerLoop1')).toBe(false);
  });

  it('let the ConfigMap rule report the new shapes', () => {
    const cm = obj(
      'v1',
      'ConfigMap',
      'notify',
      {
        data: {
          SLACK_URL: `https://hooks.slack.com/services/T${random(8)}/B${random(8)}/${random(24)}`,
        },
      },
      { namespace: 'shop' },
    );
    expect(findings('configmap-credentials', snapshot([cm]))[0]?.message).toContain(
      'SLACK_URL (Slack webhook)',
    );
  });
});
