import type { Config } from '../core/config.js';
import { readKeyFile, writeKeyFile } from './key-file.js';
import { generateKey, Keyring } from './keyring.js';
import type { SecretBox } from './secret-box.js';

export interface RotationResult {
  reencrypted: number;
  primaryKeyId: string;
  /** The new key, when KubeOps generated it (embedded mode writes it to the key file itself). */
  generated: boolean;
}

/**
 * Rotates the encryption key.
 *
 * Embedded mode (keys in the data dir): generates a key, makes it primary
 * with the old one still readable, re-encrypts everything, then drops the old key.
 *
 * Configured keys: the operator first deploys the new key as encryption.key
 * and the old one in encryption.previousKeys (every replica then reads both
 * and writes the new one), runs this to re-encrypt, then removes the old key.
 */
export async function rotateEncryptionKey(
  config: Config,
  box: SecretBox,
  batchSize = 100,
  onBatch?: (done: number) => void,
): Promise<RotationResult> {
  if (config.encryption.key) {
    const reencrypted = await box.reencryptAll(batchSize, onBatch);
    return { reencrypted, primaryKeyId: box.primaryKeyId, generated: false };
  }
  const current = readKeyFile(config.dataDir);
  const next = generateKey();
  // The file is written before any secret moves, so a crash midway leaves every secret readable.
  writeKeyFile(config.dataDir, [next, ...current]);
  await box.useKeyring(Keyring.fromBase64(next, current));
  const reencrypted = await box.reencryptAll(batchSize, onBatch);
  writeKeyFile(config.dataDir, [next]);
  await box.useKeyring(Keyring.fromBase64(next));
  return { reencrypted, primaryKeyId: box.primaryKeyId, generated: true };
}
