import { describe, expect, it } from 'vitest';
import { appLink } from '../../src/domain/site-url.ts';
import { loadConfig } from '../../src/infra/config.ts';
import { StartupError } from '../../src/infra/startup-error.ts';

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
    [
      'is SITE_URL when unset',
      { SITE_URL: 'https://status.example.com' },
      'https://status.example.com',
      'https://status.example.com',
    ],
    [
      'is SITE_URL when empty',
      { SITE_URL: 'https://status.example.com/', HERALD_APP_URL: '' },
      'https://status.example.com',
      'https://status.example.com',
    ],
    ['follows the default SITE_URL', { PORT: '8080' }, 'http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    [
      'is where Herald runs when the site is served elsewhere',
      { SITE_URL: 'https://status.example.com', HERALD_APP_URL: 'https://herald.example.com//' },
      'https://status.example.com',
      'https://herald.example.com',
    ],
    [
      'may have a path',
      { SITE_URL: 'https://status.example.com', HERALD_APP_URL: 'http://10.0.0.5:4321/herald/' },
      'https://status.example.com',
      'http://10.0.0.5:4321/herald',
    ],
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
    expect(error.message).toBe(
      'invalid configuration: HERALD_APP_URL must be an absolute http(s) URL such as https://herald.example.com',
    );
  });

  it('names SITE_URL, not HERALD_APP_URL, when SITE_URL is the bad one', () => {
    expect(startupError({ SITE_URL: 'status.example.com', HERALD_APP_URL: 'https://herald.example.com' }).message).toBe(
      'invalid configuration: SITE_URL must be an absolute http(s) URL such as https://status.example.com',
    );
  });
});

describe('links from published pages to Herald itself', () => {
  it.each([
    [
      'stay relative while Herald serves the site',
      'https://status.example.com',
      'https://status.example.com',
      '/subscribe',
    ],
    [
      'go to HERALD_APP_URL when the site is served elsewhere',
      'https://status.example.com',
      'https://herald.example.com',
      'https://herald.example.com/subscribe',
    ],
    [
      "keep HERALD_APP_URL's path",
      'https://status.example.com',
      'https://example.com/herald',
      'https://example.com/herald/subscribe',
    ],
  ])('%s', (_case, siteUrl, appUrl, expected) => {
    expect(appLink({ siteUrl, appUrl }, '/subscribe')).toBe(expected);
  });
});
