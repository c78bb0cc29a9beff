import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

// Local stand-ins for Slack's incoming webhooks, a Teams Workflows webhook and Discord's
// webhooks, on 127.0.0.1. Each answers the way its service does: Slack 200 "ok", Teams 202,
// Discord 204; a body its service would refuse gets that service's 400 (Slack's
// "invalid_blocks", Discord's error JSON); and a test can queue 429s (with Retry-After, and
// Discord's retry_after in the body) and 5xx answers. What they do not cover: the services'
// own rendering, their per-workspace limits beyond what a test queues, and auth failures
// (a revoked Slack hook answers 404 "no_service", which Herald treats as any other failure).

export type ChatService = 'slack' | 'teams' | 'discord';

export interface ChatRequest {
  service: ChatService;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

type Answer = { status: number; retryAfterSeconds?: number };

/** Why the service would refuse the body, or null when it would post it. */
function refusal(service: ChatService, body: any): string | null {
  if (!body || typeof body !== 'object') return 'invalid_payload';
  if (service === 'slack') {
    if (typeof body.text !== 'string' && !Array.isArray(body.blocks)) return 'no_text';
    if (Array.isArray(body.blocks)) {
      if (body.blocks.length > 50) return 'invalid_blocks';
      for (const block of body.blocks) {
        if (block.type === 'header' && [...(block.text?.text ?? '')].length > 150) return 'invalid_blocks';
        if (block.type === 'section' && [...(block.text?.text ?? '')].length > 3000) return 'invalid_blocks';
      }
    }
    return null;
  }
  if (service === 'discord') {
    const embeds = body.embeds ?? [];
    if (!body.content && embeds.length === 0) return 'Cannot send an empty message';
    if (embeds.length > 10) return 'embeds: Must be 10 or fewer in length.';
    for (const embed of embeds) {
      const total =
        (embed.title ?? '').length +
        (embed.description ?? '').length +
        (embed.fields ?? []).reduce((n: number, f: any) => n + f.name.length + f.value.length, 0);
      if ((embed.title ?? '').length > 256 || (embed.description ?? '').length > 4096 || total > 6000)
        return 'Embed size exceeds maximum size of 6000';
      if ((embed.fields ?? []).length > 25) return 'fields: Must be 25 or fewer in length.';
    }
    return null;
  }
  const card = body.attachments?.[0];
  if (body.type !== 'message' || card?.contentType !== 'application/vnd.microsoft.card.adaptive')
    return 'The request body is not a message with an Adaptive Card attachment';
  if (card.content?.type !== 'AdaptiveCard') return 'The attachment is not an Adaptive Card';
  return null;
}

export async function startChatFakes() {
  const received: ChatRequest[] = [];
  const answers: Record<ChatService, Answer[]> = { slack: [], teams: [], discord: [] };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const path = request.url ?? '';
      const service: ChatService = path.startsWith('/services/')
        ? 'slack'
        : path.startsWith('/api/webhooks/')
          ? 'discord'
          : 'teams';
      let body: unknown = null;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        // Left null: refused below like any unreadable body.
      }
      const queued = answers[service].shift();
      if (queued) {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (queued.retryAfterSeconds !== undefined) headers['retry-after'] = String(queued.retryAfterSeconds);
        response.writeHead(queued.status, headers);
        response.end(
          JSON.stringify(
            queued.status === 429
              ? { message: 'You are being rate limited.', retry_after: queued.retryAfterSeconds }
              : {},
          ),
        );
        return;
      }
      const refused = refusal(service, body);
      if (refused) {
        response.writeHead(400, { 'content-type': service === 'slack' ? 'text/plain' : 'application/json' });
        response.end(service === 'slack' ? refused : JSON.stringify({ message: refused, code: 50035 }));
        return;
      }
      received.push({ service, path, headers: request.headers, body });
      if (service === 'slack') {
        response.writeHead(200, { 'content-type': 'text/html' });
        response.end('ok');
      } else if (service === 'teams') {
        response.writeHead(202);
        response.end();
      } else {
        response.writeHead(204);
        response.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    received,
    answers,
    urls: {
      slack: `${base}/services/T0000/B0000/slack-secret-key`,
      teams: `${base}/workflows/abc/triggers/manual/paths/invoke?sig=teams-secret-sig`,
      discord: `${base}/api/webhooks/123456/discord-secret-token`,
    } satisfies Record<ChatService, string>,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
