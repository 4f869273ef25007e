import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../core/config.js';
import { KubeOpsError } from '../core/errors.js';
import { generateKey, Keyring } from './keyring.js';

/**
 * In embedded mode the keys live in <dataDir>/encryption-keys, one base64 key
 * per line, the first being the primary. The file is readable by its owner only.
 */
export const keyFilePath = (dataDir: string) => join(dataDir, 'encryption-keys');

export function readKeyFile(dataDir: string): string[] {
  return readFileSync(keyFilePath(dataDir), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

export function writeKeyFile(dataDir: string, keys: string[]): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = keyFilePath(dataDir);
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, `${keys.join('\n')}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

/** The keyring from config, else (embedded mode) from the key file, creating it on first start. */
export function loadKeyring(config: Config): Keyring {
  if (config.encryption.key) {
    return Keyring.fromBase64(config.encryption.key, config.encryption.previousKeys);
  }
  if (config.database.url) {
    throw new KubeOpsError(
      'invalid_config',
      500,
      'encryption.key is required with an external database',
    );
  }
  if (!existsSync(keyFilePath(config.dataDir))) writeKeyFile(config.dataDir, [generateKey()]);
  const [primary, ...previous] = readKeyFile(config.dataDir);
  if (!primary) {
    throw new KubeOpsError(
      'invalid_encryption_key',
      500,
      `${keyFilePath(config.dataDir)} holds no key`,
    );
  }
  return Keyring.fromBase64(primary, previous);
}
