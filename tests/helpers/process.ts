import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const PROJECT_ROOT = path.resolve(import.meta.dirname, '../..');

export interface HeraldProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** Resolves when the output contains `text`, rejects on exit or timeout. */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
}

/** Starts `node src/main.ts` (the same Node that runs the tests) with the given environment. */
export function startHerald(env: Record<string, string>): HeraldProcess {
  const child = spawn(process.execPath, ['src/main.ts'], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    waitFor: (text, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const matches = () => (typeof text === 'string' ? output.includes(text) : text.test(output));
        const timer = setTimeout(() => done(new Error(`timed out waiting for ${text}; output:\n${output}`)), timeoutMs);
        const check = () => matches() && done();
        const done = (error?: Error) => {
          clearTimeout(timer);
          listeners.delete(check);
          if (error) reject(error);
          else resolve();
        };
        listeners.add(check);
        exited.then(() =>
          setTimeout(
            () => (matches() ? done() : done(new Error(`process exited before ${text}; output:\n${output}`))),
            50,
          ),
        );
        check();
      }),
  };
}

/** Signs in through the admin API of a running Herald; the session cookie to send (`name=value`). */
export async function signIn(
  base: string,
  email = 'lead@example.com',
  password = 'correct-horse-battery',
): Promise<string> {
  const login = await fetch(`${base}/api/admin/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (login.status !== 200) throw new Error(`signing in as ${email} answered ${login.status}: ${await login.text()}`);
  return login.headers.get('set-cookie')!.split(';')[0]!;
}
