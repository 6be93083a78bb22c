/**
 * `npm start`: the sfu-ws server with its browser page. Everyone who opens
 * the page in the same room sees and hears everyone else. Media goes through
 * one UDP port (and one TCP port for ICE-TCP) by default. `npm start -- --help`
 * lists the flags and environment variables.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSfuCli, sfuCliHelp, SfuServer } from '../../src/sfu-ws/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const cli = parseSfuCli(process.argv.slice(2), process.env);
if (cli === 'help') {
  console.log(sfuCliHelp());
  process.exit(0);
}

const sfu = new SfuServer({ ...cli.options, page: readFileSync(join(here, 'index.html')) });
const address = await sfu.listen(cli.httpPort, cli.host);
const shown = cli.host === '0.0.0.0' ? 'localhost' : cli.host;
console.log(`tern-rtc sfu-ws: open http://${shown}:${address.port}/ in two or more browser tabs and join the same room`);
if (sfu.mux) console.log(`media: udp ${sfu.mux.udpAddress?.port ?? '-'}, tcp ${sfu.mux.tcpAddress?.port ?? '-'}`);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: telling clients and closing`);
  await sfu.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
