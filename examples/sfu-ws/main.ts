/**
 * `npm start`: a websocket SFU on 127.0.0.1 with its browser page (Pion's
 * sfu-ws). Everyone who opens the page and joins the same room sees and
 * hears everyone else. PORT and HOST pick where it listens (default
 * 127.0.0.1:8080); other machines need HOST=0.0.0.0 and a reachable address.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SettingEngine, SfuServer } from '../../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const host = process.env['HOST'] ?? '127.0.0.1';
const port = Number(process.env['PORT'] ?? 8080);

// One engine (and so one DTLS certificate) for every peer; loopback included for browsers on this machine.
const settingEngine = new SettingEngine();
settingEngine.setIncludeLoopbackCandidate(true);

const sfu = new SfuServer({ settingEngine, page: readFileSync(join(here, 'index.html')) });
const address = await sfu.listen(port, host);
console.log(`tern-rtc sfu-ws: open http://${host}:${address.port}/ in two or more browser tabs and join the same room`);

async function shutdown(): Promise<void> {
  await sfu.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
