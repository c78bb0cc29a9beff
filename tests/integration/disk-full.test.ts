import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, type HeraldProcess } from '../helpers/process.ts';
import { freePort } from '../helpers/ports.ts';

// The embedded database on a disk that fills up: a write is refused with a clear 503, the
// published site stays as it was, and writes work again once there is room. The data
// directory is a small tmpfs the test mounts (the tests run as root, as CI does).

describe('PGlite on a full disk', () => {
  let mountPoint: string;
  let herald: HeraldProcess;
  let base: string;
  let cookie: string;
  const filler = () => path.join(mountPoint, 'filler');

  beforeAll(async () => {
    mountPoint = await mkdtemp(path.join(os.tmpdir(), 'herald-full-disk-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=96m', 'tmpfs', mountPoint]);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    herald = startHerald({
      PORT: String(port),
      SITE_URL: base,
      HERALD_DATA_DIR: path.join(mountPoint, 'data'),
      HERALD_ADMIN_EMAIL: 'lead@example.com',
      HERALD_ADMIN_PASSWORD: 'correct-horse-battery',
    });
    await herald.waitFor('Herald is running', 60_000);
    const login = await fetch(`${base}/api/admin/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'lead@example.com', password: 'correct-horse-battery' }),
    });
    cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  }, 90_000);

  afterAll(async () => {
    if (herald && herald.child.exitCode === null) {
      herald.child.kill('SIGKILL');
      await herald.exited;
    }
    try {
      execFileSync('umount', [mountPoint]);
    } finally {
      await rm(mountPoint, { recursive: true, force: true });
    }
  });

  const createIncident = (name: string) =>
    fetch(`${base}/api/admin/v1/incidents`, {
      method: 'POST',
      headers: { cookie, origin: base, 'content-type': 'application/json' },
      body: JSON.stringify({ name, body: 'Looking into it.' }),
    });

  it('refuses the write with a clear 503, keeps the site, and writes again once there is room', async () => {
    const before = await (await fetch(`${base}/api/v2/summary.json`)).text();
    // Fill every byte that is left.
    await writeFile(filler(), Buffer.alloc(200 * 1024 * 1024)).catch((error: NodeJS.ErrnoException) =>
      expect(error.code).toBe('ENOSPC'),
    );

    const refused = await createIncident('Written to a full disk');
    expect(refused.status).toBe(503);
    expect((await refused.json()).error).toMatchObject({
      code: 'database_unavailable',
      message: expect.stringMatching(/disk is full/),
    });
    expect((await fetch(`${base}/`)).status).toBe(200);
    expect(await (await fetch(`${base}/api/v2/summary.json`)).text()).toBe(before);
    // reads still work
    expect((await fetch(`${base}/api/admin/v1/incidents`, { headers: { cookie } })).status).toBe(200);

    await rm(filler());
    const accepted = await createIncident('After the disk was freed');
    expect(accepted.status).toBe(201);
    const page = await (await fetch(`${base}/`)).text();
    expect(page).toContain('After the disk was freed');
    expect(page).not.toContain('Written to a full disk');
    expect(herald.child.exitCode).toBeNull();
    expect(herald.output()).not.toMatch(/^\s+at /m);
  }, 60_000);
});
