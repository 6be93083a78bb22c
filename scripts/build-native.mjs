#!/usr/bin/env node
/**
 * Builds tern-rtc's optional native modules with the system C compiler,
 * against the headers of the Node that runs this script (Node-API, libuv
 * and the OpenSSL headers Node ships):
 * - native/srtp/tern_srtp.c -> build/native/tern_srtp.node, the SRTP cipher
 *   accelerator (else SRTP uses Node's crypto);
 * - native/dtls/tern_dtls.c -> build/native/tern_dtls.node, the DTLS
 *   handshake's signatures, key agreement and PRF (else Node's crypto);
 * - native/udp/tern_udp.c -> build/native/tern_udp.node, batched UDP
 *   sockets, Linux only (else UDP uses node:dgram).
 * Runs on `npm install` (postinstall) and with `npm run build:native`.
 *
 * Best effort by design: a module that cannot be built is reported in one
 * line and skipped (exit 0); tern-rtc then takes its JavaScript path (the
 * same results, slower). `--require` makes a failed build an error (CI uses
 * it). Needs no network: no node-gyp, no header download.
 *
 * Options for CI: `--strict` adds -Werror (the sources build warning-free
 * under -Wall -Wextra), `--out-dir DIR` builds into DIR instead of
 * build/native, `--sanitize=address` builds with AddressSanitizer (load the
 * result with LD_PRELOAD of the compiler's libasan).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argValue = (name) => {
  const i = process.argv.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (i < 0) return undefined;
  const a = process.argv[i];
  return a.includes('=') ? a.slice(a.indexOf('=') + 1) : process.argv[i + 1];
};
const outDir = argValue('--out-dir') ?? join(root, 'build', 'native');
const required = process.argv.includes('--require');
const strict = process.argv.includes('--strict');
const sanitize = argValue('--sanitize');

const MODULES = [
  {
    name: 'SRTP accelerator',
    source: join(root, 'native', 'srtp', 'tern_srtp.c'),
    out: join(outDir, 'tern_srtp.node'),
    disableEnv: 'TERN_SRTP_NATIVE',
    fallback: "SRTP uses Node's crypto",
    openssl: true,
  },
  {
    name: 'DTLS handshake crypto',
    source: join(root, 'native', 'dtls', 'tern_dtls.c'),
    out: join(outDir, 'tern_dtls.node'),
    disableEnv: 'TERN_DTLS_NATIVE',
    fallback: "DTLS uses Node's crypto",
    openssl: true,
  },
  {
    name: 'UDP sockets',
    source: join(root, 'native', 'udp', 'tern_udp.c'),
    out: join(outDir, 'tern_udp.node'),
    disableEnv: 'TERN_UDP_NATIVE',
    fallback: 'UDP uses node:dgram',
    platforms: ['linux'],
  },
];

/** Node's headers: next to this node binary (official and NodeSource builds), or where distributions put them. */
const headerDirs = [join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node'];
const nodeHeaders = headerDirs.find((d) => existsSync(join(d, 'node_api.h')));
const cc = process.env.CC || 'cc';

/** Builds one module; returns undefined when built, else why not. */
function build(m) {
  if (process.env[m.disableEnv] === '0') return `${m.disableEnv}=0`;
  if (m.platforms && !m.platforms.includes(process.platform)) return `not for ${process.platform}`;
  if (!existsSync(m.source)) return 'source missing';
  if (nodeHeaders === undefined) return 'no Node-API headers found';
  const include = [nodeHeaders];
  if (m.openssl && !existsSync(join(nodeHeaders, 'openssl', 'evp.h'))) {
    // A Node linked to the system OpenSSL uses the system's headers.
    if (!existsSync('/usr/include/openssl/evp.h')) return 'no OpenSSL headers found';
    include.push('/usr/include');
  }
  const tmp = `${m.out}.${process.pid}.tmp`;
  const flags = [
    sanitize ? '-O1' : '-O2',
    '-std=c11',
    '-shared',
    '-fPIC',
    '-fvisibility=hidden',
    '-Wall',
    '-Wextra',
    ...(strict ? ['-Werror'] : []),
    ...(sanitize ? [`-fsanitize=${sanitize}`, '-fno-omit-frame-pointer', '-g'] : []),
    ...include.map((d) => `-I${d}`),
    // Node-API, libuv and OpenSSL symbols come from the node binary at load time.
    ...(process.platform === 'darwin' ? ['-undefined', 'dynamic_lookup'] : []),
    '-o',
    tmp,
    m.source,
  ];
  try {
    mkdirSync(outDir, { recursive: true });
    execFileSync(cc, flags, { stdio: ['ignore', 'ignore', 'pipe'] });
    renameSync(tmp, m.out);
    return undefined;
  } catch (err) {
    rmSync(tmp, { force: true });
    const stderr = err && typeof err === 'object' && 'stderr' in err && err.stderr ? String(err.stderr).trim() : '';
    // Strict (CI) builds report every diagnostic; an install prints the first line only.
    const detail = stderr ? (strict ? stderr : stderr.split('\n')[0]) : String(err);
    return `${cc} failed: ${detail}`;
  }
}

let failed = false;
for (const m of MODULES) {
  const why = build(m);
  if (why === undefined) {
    console.log(`tern-rtc: native ${m.name} built (${m.out})`);
    continue;
  }
  const line = `tern-rtc: native ${m.name} not built (${why}); ${m.fallback}`;
  // Switched off or not meant for this platform is a choice, not a failure.
  const chosen = why.endsWith('=0') || why.startsWith('not for ');
  if (required && !chosen) {
    console.error(line);
    failed = true;
  } else {
    console.log(line);
  }
}
process.exit(failed ? 1 : 0);
