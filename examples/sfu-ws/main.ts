/**
 * `npm start`: the sfu-ws server with its browser page. Everyone who opens
 * the page in the same room sees and hears everyone else. Media goes through
 * one UDP port (and one TCP port for ICE-TCP) by default. `npm start -- --help`
 * lists the flags and environment variables.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startClusteredSfu } from '../../src/cluster/index.js';
import { parseSfuCli, sfuCliHelp, SfuServer } from '../../src/sfu-ws/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const cli = parseSfuCli(process.argv.slice(2), process.env);
if (cli === 'help') {
  console.log(sfuCliHelp());
  process.exit(0);
}

const page = readFileSync(join(here, 'index.html'));
let sfu: SfuServer;
let stop: () => Promise<void>;
let address: { port: number };
if (cli.redisUrl) {
  // Cluster mode: rooms placed on nodes through Redis; clients redirected to their room's node.
  const node = await startClusteredSfu({
    redisUrl: cli.redisUrl,
    sfu: { ...cli.options, page },
    host: cli.host,
    port: cli.httpPort,
    ...(cli.nodeUrl ? { nodeUrl: cli.nodeUrl } : {}),
    ...(cli.nodeId ? { nodeId: cli.nodeId } : {}),
  });
  sfu = node.sfu;
  address = node.address;
  // Leaving deletes the heartbeat: the other nodes re-place this node's rooms at once.
  stop = () => node.leave();
  console.log(`cluster node ${node.nodeId} (${node.nodeUrl}) on ${cli.redisUrl}`);
} else {
  sfu = new SfuServer({ ...cli.options, page });
  address = await sfu.listen(cli.httpPort, cli.host);
  stop = () => sfu.close();
}
const shown = cli.host === '0.0.0.0' ? 'localhost' : cli.host;
console.log(`tern-rtc sfu-ws: open http://${shown}:${address.port}/ in two or more browser tabs and join the same room`);
if (sfu.mux) console.log(`media: udp ${sfu.mux.udpAddress?.port ?? '-'}, tcp ${sfu.mux.tcpAddress?.port ?? '-'}`);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: telling clients and closing`);
  await stop();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
