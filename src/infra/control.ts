import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../publish/site-directory.ts';

// Local commands (npm run publish) reach a running server through /_herald/*, proving
// they may by reading a token that only the data directory's owner can read.

const TOKEN_FILE = 'control.json';

export interface ControlFile {
  url: string;
  token: string;
  pid: number;
}

export function writeControlFile(dataDir: string, url: string): ControlFile {
  const control = { url, token: randomBytes(32).toString('base64url'), pid: process.pid };
  writeFileAtomic(path.join(dataDir, TOKEN_FILE), JSON.stringify(control), 0o600);
  return control;
}

export function removeControlFile(dataDir: string): void {
  rmSync(path.join(dataDir, TOKEN_FILE), { force: true });
}

export function readControlFile(dataDir: string): ControlFile | null {
  try {
    return JSON.parse(readFileSync(path.join(dataDir, TOKEN_FILE), 'utf8')) as ControlFile;
  } catch {
    return null;
  }
}

export function isControlToken(expected: string, given: string | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
