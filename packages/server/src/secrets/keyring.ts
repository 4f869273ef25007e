import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { KubeOpsError } from '../core/errors.js';

export interface EncryptionKey {
  /** Derived from the key itself, so the same key always has the same id. */
  id: string;
  key: Buffer;
}

const VERSION = 'k1';
const TAG_LENGTH = 16;

export function keyFromBase64(encoded: string): EncryptionKey {
  const key = Buffer.from(encoded, 'base64');
  if (key.length !== 32) {
    throw new KubeOpsError(
      'invalid_encryption_key',
      500,
      'An encryption key must be base64 of 32 bytes',
    );
  }
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 12), key };
}

export const generateKey = () => randomBytes(32).toString('base64');

/**
 * AES-256-GCM envelopes tagged with the id of the key that sealed them:
 * `k1.<keyId>.<iv>.<ciphertext+tag>` (base64url parts). The primary key seals;
 * every key in the ring opens, which is what lets a rotation run while the
 * service keeps reading secrets sealed under the previous key.
 * `context` (e.g. the secret's name) is bound as associated data, so an
 * envelope copied to another record does not open there.
 */
export class Keyring {
  private readonly byId: Map<string, EncryptionKey>;

  constructor(
    readonly primary: EncryptionKey,
    previous: EncryptionKey[] = [],
  ) {
    this.byId = new Map([...previous, primary].map((k) => [k.id, k]));
  }

  static fromBase64(primary: string, previous: string[] = []): Keyring {
    return new Keyring(keyFromBase64(primary), previous.map(keyFromBase64));
  }

  get keyIds(): string[] {
    return [...this.byId.keys()];
  }

  has(keyId: string): boolean {
    return this.byId.has(keyId);
  }

  seal(plaintext: Buffer | string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.primary.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([
      cipher.update(typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    return [VERSION, this.primary.id, iv.toString('base64url'), body.toString('base64url')].join(
      '.',
    );
  }

  open(envelope: string, context: string): Buffer {
    const [version, keyId, iv, body] = envelope.split('.');
    if (version !== VERSION || !keyId || !iv || !body) {
      throw new KubeOpsError(
        'secret_undecryptable',
        500,
        'A stored secret is not a KubeOps envelope',
      );
    }
    const entry = this.byId.get(keyId);
    if (!entry) {
      throw new KubeOpsError(
        'secret_undecryptable',
        500,
        `A stored secret was sealed with encryption key ${keyId}, which is not configured`,
        { details: { keyId } },
      );
    }
    const data = Buffer.from(body, 'base64url');
    try {
      // GCM verifies a tag as short as 4 bytes unless told its length: a
      // truncated tag must fail, not be checked on fewer bits.
      if (data.length < TAG_LENGTH) throw new Error('the authentication tag is truncated');
      const decipher = createDecipheriv('aes-256-gcm', entry.key, Buffer.from(iv, 'base64url'), {
        authTagLength: TAG_LENGTH,
      });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(data.subarray(data.length - TAG_LENGTH));
      return Buffer.concat([
        decipher.update(data.subarray(0, data.length - TAG_LENGTH)),
        decipher.final(),
      ]);
    } catch (error) {
      throw new KubeOpsError(
        'secret_undecryptable',
        500,
        `A stored secret failed authentication under key ${keyId}`,
        {
          details: { keyId },
          cause: error,
        },
      );
    }
  }
}

export const keyIdOf = (envelope: string) => envelope.split('.')[1] ?? '';
