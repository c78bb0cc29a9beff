import { createServer, request, type ClientRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admitBody, ReadAheadBudget } from '../../src/infra/body-limits.ts';

// Bodies without a Content-Length are read ahead before anyone is signed in; together they
// may hold no more than a shared budget, whatever each one's own limit.

const KB = 1024;

describe('the shared budget of bodies read ahead', () => {
  const budget = new ReadAheadBudget(64 * KB);
  let base: string;
  const server = createServer(async (req, res) => {
    if (!(await admitBody(req, res, 512 * KB, budget))) return;
    const body = (req as IncomingMessage & { body?: Buffer }).body;
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`read ${body?.length ?? 0}`);
  });

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** A chunked POST that sends `bytes` and waits; its answer, when one comes. */
  const slowSender = (bytes: number) => {
    const req: ClientRequest = request(`${base}/admin/x`, {
      method: 'POST',
      headers: { 'transfer-encoding': 'chunked', 'content-type': 'text/plain' },
    });
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      req.on('response', (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      });
      req.on('error', reject);
    });
    req.write(Buffer.alloc(bytes, 'x'));
    return { req, answer };
  };
  const until = async (condition: () => boolean) => {
    while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
  };

  it('answers 503 to a body that does not fit beside the others, and takes bodies again once they are through', async () => {
    const first = slowSender(30 * KB);
    const second = slowSender(30 * KB);
    await until(() => budget.held === 60 * KB);
    // Within its own limit (512 KB), but not within what all may hold together.
    const third = slowSender(30 * KB);
    const refused = await third.answer;
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.text).error).toMatchObject({ code: 'busy' });
    expect(budget.held).toBe(60 * KB);

    first.req.end();
    second.req.end();
    expect(await first.answer).toEqual({ status: 200, text: `read ${30 * KB}` });
    expect(await second.answer).toEqual({ status: 200, text: `read ${30 * KB}` });
    expect(budget.held).toBe(0);
    const later = slowSender(40 * KB);
    later.req.end();
    expect(await later.answer).toEqual({ status: 200, text: `read ${40 * KB}` });
  });
});
