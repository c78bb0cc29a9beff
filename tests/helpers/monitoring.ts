import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports.ts';

// Debian's Prometheus, Alertmanager and blackbox exporter, started on loopback with short
// intervals (scrape and evaluation every second, `for: 1s`, Alertmanager grouping 1 s), so an
// outage of a probed service becomes a webhook post to Herald within seconds.

export const PROMETHEUS = '/usr/bin/prometheus';
export const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';
export const BLACKBOX = '/usr/bin/prometheus-blackbox-exporter';

export interface MonitoringStack {
  prometheusUrl: string;
  alertmanagerUrl: string;
  output(): string;
  close(): Promise<void>;
}

export interface AlertRuleSpec {
  name: string;
  labels: Record<string, string>;
}

async function waitUntilReady(url: string, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not become ready; output:\n${output()}`);
}

/**
 * Probes `target` every second with the blackbox exporter; each rule fires while the probe fails
 * (`probe_success == 0` for 1 s) and Alertmanager posts to `webhookUrl` with the bearer token.
 */
export async function startMonitoring(options: {
  target: string;
  rules: AlertRuleSpec[];
  webhookUrl: string;
  token: string;
}): Promise<MonitoringStack> {
  for (const binary of [PROMETHEUS, ALERTMANAGER, BLACKBOX])
    if (!existsSync(binary))
      throw new Error(
        `${binary} is missing: apt-get install -y prometheus prometheus-alertmanager prometheus-blackbox-exporter`,
      );
  const dir = await mkdtemp(path.join(os.tmpdir(), 'herald-monitoring-'));
  const [blackboxPort, prometheusPort, alertmanagerPort] = [await freePort(), await freePort(), await freePort()];
  await writeFile(
    path.join(dir, 'blackbox.yml'),
    `modules:
  http_2xx:
    prober: http
    timeout: 1s
    http:
      preferred_ip_protocol: ip4
`,
  );
  await writeFile(
    path.join(dir, 'rules.yml'),
    `groups:
  - name: herald
    interval: 1s
    rules:
${options.rules
  .map(
    (rule) => `      - alert: ${rule.name}
        expr: probe_success == 0
        for: 1s
        labels:
${Object.entries(rule.labels)
  .map(([k, v]) => `          ${k}: ${JSON.stringify(v)}`)
  .join('\n')}
        annotations:
          summary: "${rule.name}: {{ $labels.instance }} does not answer"`,
  )
  .join('\n')}
`,
  );
  await writeFile(
    path.join(dir, 'prometheus.yml'),
    `global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - ${path.join(dir, 'rules.yml')}
alerting:
  alertmanagers:
    - static_configs:
        - targets: ["127.0.0.1:${alertmanagerPort}"]
scrape_configs:
  - job_name: blackbox
    metrics_path: /probe
    params:
      module: [http_2xx]
    static_configs:
      - targets: ["${options.target}"]
    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        target_label: instance
      - target_label: __address__
        replacement: 127.0.0.1:${blackboxPort}
`,
  );
  await writeFile(
    path.join(dir, 'alertmanager.yml'),
    `route:
  receiver: herald
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: herald
    webhook_configs:
      - url: ${JSON.stringify(options.webhookUrl)}
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: ${JSON.stringify(options.token)}
`,
  );
  let output = '';
  const children: ChildProcess[] = [];
  const run = (name: string, binary: string, args: string[]) => {
    const child = spawn(binary, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (chunk: Buffer) => {
      output += `[${name}] ${chunk.toString()}`;
      if (output.length > 200_000) output = output.slice(-100_000);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    children.push(child);
  };
  run('blackbox', BLACKBOX, [
    `--config.file=${path.join(dir, 'blackbox.yml')}`,
    `--web.listen-address=127.0.0.1:${blackboxPort}`,
  ]);
  run('alertmanager', ALERTMANAGER, [
    `--config.file=${path.join(dir, 'alertmanager.yml')}`,
    `--storage.path=${path.join(dir, 'alertmanager-data')}`,
    `--web.listen-address=127.0.0.1:${alertmanagerPort}`,
    // One instance: no gossip port to bind.
    '--cluster.listen-address=',
  ]);
  run('prometheus', PROMETHEUS, [
    `--config.file=${path.join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${path.join(dir, 'prometheus-data')}`,
    `--web.listen-address=127.0.0.1:${prometheusPort}`,
  ]);
  const stack: MonitoringStack = {
    prometheusUrl: `http://127.0.0.1:${prometheusPort}`,
    alertmanagerUrl: `http://127.0.0.1:${alertmanagerPort}`,
    output: () => output,
    close: async () => {
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.kill('SIGTERM');
              setTimeout(() => child.kill('SIGKILL'), 5000).unref();
            }),
        ),
      );
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitUntilReady(`http://127.0.0.1:${blackboxPort}/metrics`, 30_000, stack.output);
    await waitUntilReady(`${stack.alertmanagerUrl}/-/ready`, 30_000, stack.output);
    await waitUntilReady(`${stack.prometheusUrl}/-/ready`, 30_000, stack.output);
  } catch (error) {
    await stack.close();
    throw error;
  }
  return stack;
}
