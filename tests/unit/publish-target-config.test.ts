import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parsePublishTargets } from '../../src/publish/targets/config.ts';
import { groupByStage, uploadStageOf, urlPathOf } from '../../src/publish/targets/upload-order.ts';

const KEYS = { AWS_ACCESS_KEY_ID: 'AKIDDEFAULT', AWS_SECRET_ACCESS_KEY: 'default-secret' };

describe('parsePublishTargets', () => {
  it('reads nothing from an unset or blank value', () => {
    expect(parsePublishTargets(undefined, KEYS)).toEqual([]);
    expect(parsePublishTargets('  ', KEYS)).toEqual([]);
  });

  it.each([
    {
      value: 's3://status-site',
      env: KEYS,
      expected: {
        name: 's3://status-site',
        bucket: 'status-site',
        prefix: '',
        endpoint: undefined,
        region: 'us-east-1',
        pathStyle: false,
      },
    },
    {
      value: 's3://status-site/',
      env: { ...KEYS, AWS_REGION: 'eu-west-1' },
      expected: { name: 's3://status-site', prefix: '', region: 'eu-west-1' },
    },
    {
      value: 's3://status-site/public/status/?region=eu-central-1',
      env: { ...KEYS, AWS_REGION: 'eu-west-1' },
      expected: { name: 's3://status-site/public/status', prefix: 'public/status/', region: 'eu-central-1' },
    },
    {
      value: 's3://status?endpoint=https%3A%2F%2Facct.r2.cloudflarestorage.com&region=auto',
      env: KEYS,
      expected: {
        name: 's3://status (https://acct.r2.cloudflarestorage.com)',
        endpoint: 'https://acct.r2.cloudflarestorage.com',
        region: 'auto',
      },
    },
    {
      value: 's3://site/status?endpoint=http://127.0.0.1:9000/&path_style=true',
      env: KEYS,
      expected: { bucket: 'site', prefix: 'status/', endpoint: 'http://127.0.0.1:9000', pathStyle: true },
    },
  ])('reads $value', ({ value, env, expected }) => {
    const [target] = parsePublishTargets(value, env);
    expect(target).toMatchObject(expected);
    expect(target!.credentials?.accessKeyId).toBe('AKIDDEFAULT');
    expect(target!.credentials?.secretAccessKey).toBe('default-secret');
  });

  it('reads several targets, each with its own credentials when it names them', () => {
    const targets = parsePublishTargets(
      's3://aws-site/status  s3://r2-site?endpoint=https://r2.example.com&credentials=STATUS_R2',
      {
        ...KEYS,
        STATUS_R2_ACCESS_KEY_ID: 'AKIDR2',
        STATUS_R2_SECRET_ACCESS_KEY: 'r2-secret',
        STATUS_R2_SESSION_TOKEN: 'r2-token',
      },
    );
    expect(
      targets.map((t) => [
        t.name,
        t.credentials?.accessKeyId,
        t.credentials?.secretAccessKey,
        t.credentials?.sessionToken,
      ]),
    ).toEqual([
      ['s3://aws-site/status', 'AKIDDEFAULT', 'default-secret', undefined],
      ['s3://r2-site (https://r2.example.com)', 'AKIDR2', 'r2-secret', 'r2-token'],
    ]);
  });

  it("leaves credentials to the SDK's default chain when no key is set", () => {
    expect(parsePublishTargets('s3://status-site', {})[0]!.credentials).toBeUndefined();
  });

  it('never shows the keys when a target is logged, serialized or inspected', () => {
    const [target] = parsePublishTargets('s3://status-site', KEYS);
    const shown = `${JSON.stringify(target)} ${inspect(target, { depth: 5, showHidden: true })} ${String(target!.credentials)}`;
    expect(shown).not.toContain('default-secret');
    expect(shown).toContain('[credentials]');
  });

  it.each([
    {
      value: 'https://bucket.s3.amazonaws.com',
      message: 'HERALD_PUBLISH_TO: the target must start with s3://, as in s3://my-bucket/status?region=eu-west-1.',
    },
    {
      value: 's3://',
      message:
        'HERALD_PUBLISH_TO: the target names the bucket "", which is not a bucket name (3 or more lowercase letters, digits, dots, hyphens or underscores).',
    },
    {
      value: 's3://My_Bucket',
      message:
        'HERALD_PUBLISH_TO: the target names the bucket "My_Bucket", which is not a bucket name (3 or more lowercase letters, digits, dots, hyphens or underscores).',
    },
    {
      value: 's3://ok-site s3://x',
      message:
        'HERALD_PUBLISH_TO: target 2 names the bucket "x", which is not a bucket name (3 or more lowercase letters, digits, dots, hyphens or underscores).',
    },
    {
      value: 's3://AKIDLEAKED:leaked-secret@status-site',
      message:
        'HERALD_PUBLISH_TO: the target holds credentials or a port in its bucket name; put keys in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or credentials=<NAME>) and the host in endpoint=.',
    },
    {
      value: 's3://status-site/a//b',
      message: 'HERALD_PUBLISH_TO: the target has the prefix "a//b", which has an empty, "." or ".." segment.',
    },
    {
      value: 's3://status-site/../b',
      message: 'HERALD_PUBLISH_TO: the target has the prefix "../b", which has an empty, "." or ".." segment.',
    },
    { value: 's3://status-site?a=1?b=2', message: 'HERALD_PUBLISH_TO: the target has more than one "?".' },
    {
      value: 's3://status-site?pathstyle=true',
      message:
        'HERALD_PUBLISH_TO: s3://status-site has the unknown parameter "pathstyle" (known: endpoint, region, path_style, credentials).',
    },
    {
      value: 's3://status-site?region=a&region=b',
      message: 'HERALD_PUBLISH_TO: s3://status-site sets "region" twice.',
    },
    {
      value: 's3://status-site?endpoint=r2.example.com',
      message:
        'HERALD_PUBLISH_TO: s3://status-site has an endpoint that is not a URL; use endpoint=https://host[:port].',
    },
    {
      value: 's3://status-site?endpoint=ftp://r2.example.com',
      message: 'HERALD_PUBLISH_TO: s3://status-site has an endpoint that is not http(s): ftp:.',
    },
    {
      value: 's3://status-site?endpoint=https://key:secret@r2.example.com',
      message:
        'HERALD_PUBLISH_TO: s3://status-site has credentials in its endpoint; put them in environment variables instead.',
    },
    {
      value: 's3://status-site?endpoint=https://r2.example.com/status-site',
      message:
        'HERALD_PUBLISH_TO: s3://status-site has an endpoint with a path or query (https://r2.example.com/status-site); the bucket and prefix go in s3://.',
    },
    {
      value: 's3://status-site?region=EU_West',
      message:
        'HERALD_PUBLISH_TO: s3://status-site has the region "EU_West", which is not a region name such as eu-west-1 or auto.',
    },
    {
      value: 's3://status-site?path_style=yes',
      message: 'HERALD_PUBLISH_TO: s3://status-site has path_style="yes"; use path_style=true or leave it out.',
    },
    {
      value: 's3://status-site?credentials=r2',
      message:
        'HERALD_PUBLISH_TO: s3://status-site has credentials="r2"; use an upper-case variable prefix such as credentials=STATUS_R2.',
    },
    {
      value: 's3://status-site?credentials=STATUS_R2',
      message:
        'HERALD_PUBLISH_TO: s3://status-site needs STATUS_R2_ACCESS_KEY_ID and STATUS_R2_SECRET_ACCESS_KEY, but STATUS_R2_SECRET_ACCESS_KEY is not set.',
      env: { STATUS_R2_ACCESS_KEY_ID: 'AKIDR2' },
    },
    {
      value: 's3://status-site',
      message:
        'HERALD_PUBLISH_TO: s3://status-site needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, but AWS_SECRET_ACCESS_KEY is not set.',
      env: { AWS_ACCESS_KEY_ID: 'AKIDHALF' },
    },
    {
      value: 's3://status-site/a s3://status-site/a/',
      message: 'HERALD_PUBLISH_TO: s3://status-site/a is listed twice.',
    },
  ])('refuses $value with one sentence', ({ value, message, env }) => {
    expect(() => parsePublishTargets(value, env ?? KEYS)).toThrow(message);
    try {
      parsePublishTargets(value, env ?? KEYS);
    } catch (error) {
      expect((error as Error).message).toBe(message);
      expect((error as Error).message).not.toMatch(/leaked-secret|secret@/);
    }
  });
});

describe('upload order', () => {
  it.each([
    ['_astro/index.D3adB33f.css', 'assets'],
    ['_astro/page.C0ffee12.js', 'assets'],
    ['_astro/logo.abc.svg', 'assets'],
    ['widget.js', 'assets'],
    ['favicon.svg', 'assets'],
    ['fonts/inter.woff2', 'assets'],
    ['incidents/abc/index.html', 'incident pages'],
    ['zh-CN/incidents/abc/index.html', 'incident pages'],
    ['history/2/index.html', 'pages'],
    ['zh-CN/history/index.html', 'pages'],
    ['components/c1/index.html', 'pages'],
    ['embed/index.html', 'pages'],
    ['404.html', 'pages'],
    ['index.html', 'front pages'],
    ['zh-CN/index.html', 'front pages'],
    ['api/v2/summary.json', 'data'],
    ['widget.json', 'data'],
    ['uptime-days.json', 'data'],
    ['badge.svg', 'data'],
    ['components/c1/badge.svg', 'data'],
    ['history.rss', 'data'],
    ['history.atom', 'data'],
  ])('%s is uploaded with the %s', (file, stage) => {
    expect(uploadStageOf(file)).toBe(stage);
  });

  it('groups files in upload order, leaving out empty stages', () => {
    expect(
      groupByStage([
        'api/v2/summary.json',
        'index.html',
        'history/index.html',
        '_astro/a.css',
        'incidents/x/index.html',
        'widget.json',
      ]),
    ).toEqual([
      ['_astro/a.css'],
      ['incidents/x/index.html'],
      ['history/index.html'],
      ['index.html'],
      ['api/v2/summary.json', 'widget.json'],
    ]);
  });

  it.each([
    ['index.html', '/'],
    ['incidents/x/index.html', '/incidents/x/'],
    ['api/v2/summary.json', '/api/v2/summary.json'],
    ['_astro/a.css', '/_astro/a.css'],
    ['404.html', '/404.html'],
  ])('%s is served at %s', (file, urlPath) => {
    expect(urlPathOf(file)).toBe(urlPath);
  });
});
