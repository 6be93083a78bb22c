/**
 * `npx tsx examples/data-channels/main.ts`: Pion's data-channels example.
 * Serves a page on 127.0.0.1 (PORT/HOST, default 127.0.0.1:8080) that opens a
 * data channel to tern-rtc; each side prints what the other sends, tern-rtc
 * sends the time every 5 s.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SettingEngine, type RTCSessionDescriptionInit } from '../../src/index.js';
import { answerDataChannels, type DataChannelsSession } from './session.js';

const here = dirname(fileURLToPath(import.meta.url));
const page = readFileSync(join(here, 'index.html'));
const host = process.env['HOST'] ?? '127.0.0.1';
const port = Number(process.env['PORT'] ?? 8080);
const MAX_OFFER_BYTES = 64 * 1024;
const sessions = new Set<DataChannelsSession>();
const settingEngine = new SettingEngine();
settingEngine.setIncludeLoopbackCandidate(true);

const server = createServer((req, res) => {
  if (req.method === 'GET' && (req.url === '/' || req.url === '/index.html')) {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(page);
    return;
  }
  if (req.method === 'POST' && req.url === '/offer') {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
      if (body.length > MAX_OFFER_BYTES) req.destroy();
    });
    req.on('end', () => {
      void (async () => {
        try {
          const { session, answer } = await answerDataChannels(JSON.parse(body) as RTCSessionDescriptionInit, { settingEngine });
          sessions.add(session);
          session.pc.connectionState$.subscribe((s) => {
            console.log(`Peer Connection State has changed: ${s}`);
            if (s === 'failed' || s === 'closed' || s === 'disconnected') {
              session.close();
              sessions.delete(session);
            }
          });
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify(answer));
        } catch (err) {
          res.statusCode = 400;
          res.end(String((err as Error).message));
        }
      })();
    });
    return;
  }
  res.statusCode = 404;
  res.end('not found');
});

server.listen(port, host, () => console.log(`tern-rtc data-channels: open http://${host}:${port}/ in a browser`));

function shutdown(): void {
  for (const s of sessions) s.close();
  server.close();
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
