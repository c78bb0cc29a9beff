// npm run bench:serve — requests per second and p99 latency for `/` and
// `/api/v2/summary.json` from Herald's own server and from nginx (Debian's nginx-light,
// started here on the very same published files) in one run, without and with compression,
// and from Herald again while an incident is updated every 250 ms (each update re-publishes
// both files). Load from wrk (Debian's), one thread, on loopback; nginx runs one worker, as
// Herald runs one thread. Target: Herald at least 0.5x nginx.
// Knobs: BENCH_RUNS (3; the spread is printed), BENCH_SECONDS (3 per measurement),
// BENCH_CONNECTIONS (32).
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { signIn, startHerald } from '../tests/helpers/process.ts';
import { freePort } from '../tests/helpers/ports.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const PATHS = ['/', '/api/v2/summary.json'];
const ENCODINGS = [
  ['none', 'identity'],
  ['gzip', 'gzip'],
  ['br', 'gzip, deflate, br'],
] as const;

for (const [tool, where] of [
  ['wrk', '/usr/bin/wrk'],
  ['nginx', '/usr/sbin/nginx'],
] as const) {
  if (!existsSync(where)) {
    console.log(`bench:serve needs ${tool} (apt-get install -y wrk nginx-light)`);
    process.exit(0);
  }
}

interface Measure {
  rps: number;
  p99Ms: number;
  bytes: number;
}

/** One wrk run: requests per second, the 99th percentile latency, and bytes per response. */
async function wrk(url: string, acceptEncoding: string): Promise<Measure> {
  // Asynchronous: the updates published meanwhile (below) run in this process.
  const { stdout: out } = await promisify(execFile)(
    'wrk',
    ['-t1', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '--latency', '-H', `Accept-Encoding: ${acceptEncoding}`, url],
    { encoding: 'utf8' },
  );
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const [, value, unit] = /99%\s+([\d.]+)(us|ms|s)/.exec(out) ?? [];
  const p99Ms = Number(value) * (unit === 'us' ? 0.001 : unit === 's' ? 1000 : 1);
  const [, transfer, transferUnit] = /Transfer\/sec:\s+([\d.]+)(B|KB|MB|GB)/.exec(out) ?? [];
  const scale = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 }[transferUnit as 'B'] ?? 1;
  if (!rps) throw new Error(`wrk printed no rate:\n${out}`);
  return { rps, p99Ms, bytes: Math.round((Number(transfer) * scale) / rps) };
}

const spread = (values: number[], digits = 0) => {
  const sorted = [...values].sort((a, b) => a - b);
  const fmt = (v: number) => v.toFixed(digits);
  return sorted.length === 1
    ? fmt(sorted[0]!)
    : `${fmt(sorted[Math.floor(sorted.length / 2)]!)} (${fmt(sorted[0]!)}–${fmt(sorted.at(-1)!)})`;
};

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'herald-serve-bench-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const herald = startHerald({
  PORT: String(port),
  SITE_URL: base,
  HERALD_DATA_DIR: dataDir,
  HERALD_DEMO: '1',
  HERALD_ADMIN_EMAIL: 'bench@example.com',
  HERALD_ADMIN_PASSWORD: 'bench-password-long',
});
const nginxDir = await mkdtemp(path.join(os.tmpdir(), 'herald-serve-nginx-'));
let nginx: ReturnType<typeof spawn> | undefined;
try {
  await herald.waitFor('Herald is running', 120_000);
  const nginxPort = await freePort();
  // Debian's defaults: gzip on, compressed per request at level 1; nginx-light has no brotli.
  await writeFile(
    path.join(nginxDir, 'nginx.conf'),
    `${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes 1;
daemon off;
pid ${nginxDir}/nginx.pid;
error_log stderr error;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  gzip on;
  gzip_types application/json text/css text/javascript application/rss+xml application/atom+xml image/svg+xml;
  client_body_temp_path ${nginxDir}/body;
  proxy_temp_path ${nginxDir}/proxy;
  server {
    listen 127.0.0.1:${nginxPort};
    root ${path.join(dataDir, 'site')};
    location / { try_files $uri $uri/index.html =404; }
  }
}
`,
  );
  nginx = spawn('/usr/sbin/nginx', ['-c', path.join(nginxDir, 'nginx.conf'), '-p', nginxDir], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await new Promise((resolve) => setTimeout(resolve, 500));
  const servers = { herald: base, nginx: `http://127.0.0.1:${nginxPort}` };

  console.log(`bench:serve: ${RUNS} runs of ${SECONDS} s each, ${CONNECTIONS} connections, wrk -t1; median (min–max)`);
  console.log(
    'path                    encoding  herald req/s          nginx req/s           ratio  herald p99 ms   nginx p99 ms   bytes (herald/nginx)',
  );
  for (const pathname of PATHS) {
    for (const [label, accept] of ENCODINGS) {
      const results: Record<'herald' | 'nginx', Measure[]> = { herald: [], nginx: [] };
      for (let run = 0; run < RUNS; run++) {
        // Alternated, so that a noisy moment falls on both.
        for (const name of ['herald', 'nginx'] as const)
          results[name].push(await wrk(`${servers[name]}${pathname}`, accept));
      }
      const ratios = results.herald.map((h, i) => h.rps / results.nginx[i]!.rps);
      console.log(
        [
          pathname.padEnd(23),
          label.padEnd(9),
          spread(results.herald.map((m) => m.rps)).padEnd(21),
          spread(results.nginx.map((m) => m.rps)).padEnd(21),
          spread(ratios, 2).padEnd(6),
          spread(
            results.herald.map((m) => m.p99Ms),
            1,
          ).padEnd(15),
          spread(
            results.nginx.map((m) => m.p99Ms),
            1,
          ).padEnd(15),
          `${results.herald[0]!.bytes}/${results.nginx[0]!.bytes}`,
        ].join(' '),
      );
    }
  }

  // While publishing: an incident updated every 250 ms through the admin API.
  const cookie = await signIn(base, 'bench@example.com', 'bench-password-long');
  const headers = { cookie, origin: base, 'content-type': 'application/json' };
  const created = await (
    await fetch(`${base}/api/admin/v1/incidents`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'Serving bench', body: 'Publishing while serving.' }),
    })
  ).json();
  let updating = true;
  let updates = 0;
  let failures = 0;
  const updater = (async () => {
    while (updating) {
      const response = await fetch(`${base}/api/admin/v1/incidents/${created.id}/updates`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ status: 'investigating', body: `Update ${updates}` }),
      });
      if (response.ok) updates++;
      else if (failures++ === 0) console.log(`an update failed: ${response.status} ${await response.text()}`);
      await response.arrayBuffer().catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  for (const pathname of PATHS) {
    const measures: Measure[] = [];
    for (let run = 0; run < RUNS; run++) measures.push(await wrk(`${servers.herald}${pathname}`, 'gzip, deflate, br'));
    console.log(
      `${pathname.padEnd(23)} br, while publishing: herald ${spread(measures.map((m) => m.rps))} req/s, p99 ${spread(
        measures.map((m) => m.p99Ms),
        1,
      )} ms`,
    );
  }
  updating = false;
  await updater;
  console.log(`(${updates} updates published during those runs)`);
} finally {
  nginx?.kill('SIGQUIT');
  herald.child.kill('SIGTERM');
  await herald.exited;
  await rm(dataDir, { recursive: true, force: true });
  await rm(nginxDir, { recursive: true, force: true });
}
