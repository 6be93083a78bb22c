#!/usr/bin/env node
/**
 * Builds the optional SRTP cipher accelerator (native/srtp/tern_srtp.c) into
 * build/native/tern_srtp.node with the system C compiler, against the
 * headers of the Node that runs this script (Node-API plus the OpenSSL
 * headers Node ships). Runs on `npm install` (postinstall) and with
 * `npm run build:native`.
 *
 * Best effort by design: without a compiler or headers it says so in one
 * line and exits 0, and tern-rtc uses Node's crypto instead (the same
 * results, slower). `--require` makes a failed build an error (CI uses it).
 * Needs no network: no node-gyp, no header download.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'native', 'srtp', 'tern_srtp.c');
const outDir = join(root, 'build', 'native');
const out = join(outDir, 'tern_srtp.node');
const required = process.argv.includes('--require');

function skip(reason) {
  const line = `tern-rtc: native SRTP accelerator not built (${reason}); SRTP uses Node's crypto`;
  if (required) {
    console.error(line);
    process.exit(1);
  }
  console.log(line);
  process.exit(0);
}

if (process.env.TERN_SRTP_NATIVE === '0') skip('TERN_SRTP_NATIVE=0');
if (!existsSync(source)) skip('source missing');

/** Node's headers: next to this node binary (official and NodeSource builds), or where distributions put them. */
const headerDirs = [join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node'];
const nodeHeaders = headerDirs.find((d) => existsSync(join(d, 'node_api.h')));
if (nodeHeaders === undefined) skip('no Node-API headers found');
// Node ships its OpenSSL headers beside node_api.h; a Node linked to the system OpenSSL uses the system's.
const opensslInclude = existsSync(join(nodeHeaders, 'openssl', 'evp.h')) ? [] : ['/usr/include'];
if (opensslInclude.length > 0 && !existsSync('/usr/include/openssl/evp.h')) skip('no OpenSSL headers found');

const cc = process.env.CC || 'cc';
const tmp = `${out}.${process.pid}.tmp`;
const flags = [
  '-O2',
  '-std=c11',
  '-shared',
  '-fPIC',
  '-fvisibility=hidden',
  '-Wall',
  '-Wno-deprecated-declarations',
  `-I${nodeHeaders}`,
  ...opensslInclude.map((d) => `-I${d}`),
  // The OpenSSL and Node-API symbols come from the node binary at load time.
  ...(process.platform === 'darwin' ? ['-undefined', 'dynamic_lookup'] : []),
  '-o',
  tmp,
  source,
];
try {
  mkdirSync(outDir, { recursive: true });
  execFileSync(cc, flags, { stdio: ['ignore', 'ignore', 'pipe'] });
  renameSync(tmp, out);
} catch (err) {
  rmSync(tmp, { force: true });
  const detail = err && typeof err === 'object' && 'stderr' in err && err.stderr ? String(err.stderr).trim().split('\n')[0] : String(err);
  skip(`${cc} failed: ${detail}`);
}
console.log(`tern-rtc: native SRTP accelerator built (${out})`);
