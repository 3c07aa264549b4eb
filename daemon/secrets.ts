import { createHmac, randomBytes } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';

/**
 * The API token (also the embedded NATS password) is created once and kept,
 * so clients keep working across daemon restarts. Only its owner can read it.
 */
export async function ensureToken(file: string): Promise<string> {
  try {
    const existing = (await readFile(file, 'utf8')).trim();
    if (existing.length >= 32) {
      await chmod(file, 0o600);
      return existing;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const token = randomBytes(32).toString('base64url');
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return token;
}

/**
 * A secret for one purpose (a NATS user's password), derived from the daemon's
 * token: stable across restarts with nothing more to store, and it reveals
 * neither the token nor any other purpose's secret.
 */
export function deriveSecret(token: string, purpose: string): string {
  return createHmac('sha256', token).update(`autodev/${purpose}`).digest('base64url');
}
