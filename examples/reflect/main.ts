/**
 * `npm run reflect`: serves a page on 127.0.0.1 that sends the camera and
 * microphone to tern-rtc, which sends them straight back (Pion's reflect).
 * PORT and HOST pick where the page is served (default 127.0.0.1:8080).
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SettingEngine, type RTCSessionDescriptionInit } from '../../src/index.js';
import { answerReflect, type ReflectSession } from './reflect.js';

const here = dirname(fileURLToPath(import.meta.url));
const page = readFileSync(join(here, 'index.html'));
const host = process.env['HOST'] ?? '127.0.0.1';
const port = Number(process.env['PORT'] ?? 8080);
const MAX_OFFER_BYTES = 64 * 1024;
const sessions = new Set<ReflectSession>();

// One engine (and so one DTLS certificate) for every session; loopback included for local browsers.
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
          const offer = JSON.parse(body) as RTCSessionDescriptionInit;
          const { session, answer } = await answerReflect(offer, { settingEngine });
          sessions.add(session);
          session.pc.connectionState$.subscribe((s) => {
            console.log(`session: ${s}`);
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

server.listen(port, host, () => {
  console.log(`tern-rtc reflect: open http://${host}:${port}/ in a browser`);
});

function shutdown(): void {
  for (const s of sessions) s.close();
  server.close();
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
