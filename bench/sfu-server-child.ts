/**
 * The SFU under test for bench/sfu.bench.ts, in its own process so its CPU
 * and memory are measured alone: prints `{"port":N}`, then answers each
 * stdin line with `{"cpuUs":…,"rssMiB":…}`.
 */
import { createInterface } from 'node:readline';
import { SettingEngine } from '../src/index.js';
import { SfuServer } from '../src/sfu-ws/index.js';

const engine = new SettingEngine();
engine.setIncludeLoopbackCandidate(true);
engine.setInterfaceFilter((name) => name === 'lo');
engine.setIPFilter((ip) => ip === '127.0.0.1');
engine.setNetworkTypes(['udp4']);
const sfu = new SfuServer({ settingEngine: engine, maxParticipants: 200, maxConnectionsPerAddress: 500, messageBurst: 500, messageRatePerSec: 500 });
const { port } = await sfu.listen(0, '127.0.0.1');
console.log(JSON.stringify({ port }));
const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (line === 'quit') {
    void sfu.close().then(() => process.exit(0));
    return;
  }
  const u = process.cpuUsage();
  console.log(JSON.stringify({ cpuUs: u.user + u.system, rssMiB: process.memoryUsage().rss / 1048576 }));
});
