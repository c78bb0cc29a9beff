import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/server/config.ts';
import { StartupError } from '../../src/server/startup-error.ts';

const startupError = (env: NodeJS.ProcessEnv): Error => {
  try {
    loadConfig(env, '/tmp');
  } catch (error) {
    return error as Error;
  }
  throw new Error('loadConfig accepted the configuration');
};

describe('HERALD_APP_URL', () => {
  it.each([
    ['is SITE_URL when unset', { SITE_URL: 'https://status.example.com' }, 'https://status.example.com', 'https://status.example.com'],
    ['is SITE_URL when empty', { SITE_URL: 'https://status.example.com/', HERALD_APP_URL: '' }, 'https://status.example.com', 'https://status.example.com'],
    ['follows the default SITE_URL', { PORT: '8080' }, 'http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['is where Herald runs when the site is served elsewhere', { SITE_URL: 'https://status.example.com', HERALD_APP_URL: 'https://herald.example.com//' }, 'https://status.example.com', 'https://herald.example.com'],
    ['may have a path', { SITE_URL: 'https://status.example.com', HERALD_APP_URL: 'http://10.0.0.5:4321/herald/' }, 'https://status.example.com', 'http://10.0.0.5:4321/herald'],
  ])('%s', (_case, env, siteUrl, appUrl) => {
    const config = loadConfig(env, '/tmp');
    expect([config.siteUrl, config.appUrl]).toEqual([siteUrl, appUrl]);
  });

  it.each([
    ['a host without a scheme', 'herald.example.com'],
    ['another scheme', 'ftp://herald.example.com'],
    ['a relative path', '/herald'],
    ['a URL that does not parse', 'http://herald example.com'],
  ])('stops Herald at start with one line for %s', (_case, value) => {
    const error = startupError({ SITE_URL: 'https://status.example.com', HERALD_APP_URL: value });
    expect(error).toBeInstanceOf(StartupError);
    expect(error.message).toBe('invalid configuration: HERALD_APP_URL must be an absolute http(s) URL such as https://herald.example.com');
  });

  it('names SITE_URL, not HERALD_APP_URL, when SITE_URL is the bad one', () => {
    expect(startupError({ SITE_URL: 'status.example.com', HERALD_APP_URL: 'https://herald.example.com' }).message).toBe('invalid configuration: SITE_URL must be an absolute http(s) URL such as https://status.example.com');
  });
});
