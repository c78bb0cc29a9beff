import os from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';

const PORT = Number(process.env.E2E_PORT ?? 4873);
const E2E_DATA_DIR = path.join(os.tmpdir(), `herald-e2e-${PORT}`);

export default defineConfig({
  testDir: 'tests/e2e',
  testMatch: '**/*.spec.ts',
  forbidOnly: true,
  workers: 1,
  retries: 0,
  reporter: 'list',
  timeout: 30_000,
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    launchOptions: {
      // Debian's Chromium: Playwright cannot download its own browser here.
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  webServer: {
    // The built server on a fresh embedded database with the demo company.
    command: `rm -rf '${E2E_DATA_DIR}' && node src/main.ts`,
    url: `http://127.0.0.1:${PORT}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    env: {
      PORT: String(PORT),
      HOST: '127.0.0.1',
      HERALD_DATA_DIR: E2E_DATA_DIR,
      HERALD_DEMO: '1',
      HERALD_ADMIN_EMAIL: 'lead@example.com',
      HERALD_ADMIN_PASSWORD: 'correct-horse-battery',
      SITE_URL: `http://127.0.0.1:${PORT}`,
      DATABASE_URL: '',
      // The chat test's fake Slack runs on 127.0.0.1 (tests/e2e/chat.spec.ts).
      HERALD_WEBHOOKS_ALLOW_PRIVATE: '1',
      HERALD_TEST_ONLY_CHAT_ANY_HOST: '1',
    },
  },
});
