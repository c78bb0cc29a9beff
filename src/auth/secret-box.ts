import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// Secrets Herald must read again (PagerDuty's signing secret, to check each webhook's HMAC)
// are kept encrypted with AES-256-GCM under HERALD_SECRETS_KEY, so a copy of the database alone
// does not give them away. Stored as "v1.<iv>.<tag>.<ciphertext>", each part base64url.

const VERSION = 'v1';

/** HERALD_SECRETS_KEY: 32 bytes as 64 hex digits or base64; null when it is not that. */
export function parseSecretsKey(text: string): Buffer | null {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  return key.length === 32 ? key : null;
}

/** `owner` (the source's id) is authenticated with the secret: a box moved to another row does not open. */
export function sealSecret(key: Buffer, secret: string, owner: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
  cipher.setAAD(Buffer.from(owner, 'utf8'));
  const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), sealed]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

/** The secret, or null when the box was sealed with another key or altered. */
export function openSecret(key: Buffer, box: string, owner: string): string | null {
  const [version, iv, tag, sealed] = box.split('.');
  if (version !== VERSION || !iv || !tag || sealed === undefined) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: 16 });
    decipher.setAAD(Buffer.from(owner, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(sealed, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
