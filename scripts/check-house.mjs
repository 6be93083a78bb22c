#!/usr/bin/env node
// House rules the CI enforces (ARCHITECTURE.md): no import cycle in src/ (type-only
// imports and re-exports included) and no source file over 800 lines.
// Usage: node scripts/check-house.mjs [--json]   (exit 1 on a violation)
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const MAX_LINES = 800;

/**
 * Imports that point up (ARCHITECTURE.md): `from` may not import `to`
 * (folders under src/). Cycles are caught in general below; these also
 * catch an upward arrow that does not (yet) close a cycle.
 */
export const FORBIDDEN = [
  { from: '', except: ['vnet/', 'transport/vnet/'], to: 'vnet/', why: 'the virtual network is for tests: production code never imports it' },
  { from: '', except: ['vnet/', 'transport/vnet/'], to: 'transport/vnet/', why: 'the virtual network is for tests: production code never imports it' },
  { from: 'dtls/', to: 'srtp/', why: 'DTLS sits below SRTP (the protection profile type lives in dtls)' },
  { from: 'agent/', to: 'icemux/', why: 'the single-port server sits above the agent (AgentMux in agent-ports.ts)' },
  { from: 'mdns/', to: 'agent/', why: 'mDNS sits below the agent (AgentMdnsResolver in agent-ports.ts)' },
  { from: 'agent/agent-config.ts', to: 'mdns/', why: 'the agent owns its mDNS resolver interface' },
  ...['common/', 'transport/net', 'transport/demux', 'stun/', 'turn/', 'candidate/', 'agent/', 'dtls/', 'srtp/', 'rtp/', 'rtcp/', 'sdp/', 'interceptor/', 'mdns/', 'icemux/'].map((from) => ({
    from,
    to: 'peerconnection/',
    why: 'the peer connection sits above every protocol module',
  })),
  ...['common/', 'stun/', 'turn/', 'candidate/', 'agent/', 'dtls/', 'srtp/', 'rtp/', 'rtcp/', 'interceptor/', 'peerconnection/', 'icemux/', 'mdns/'].map((from) => ({
    from,
    to: 'sfu-ws/',
    why: 'sfu-ws is an application of the library',
  })),
  { from: 'sfu-ws/', to: 'cluster/', why: 'the cluster sits above sfu-ws (it implements sfu-ws\'s RoomDirectory)' },
];

/**
 * Cycles known when this check was introduced, to be broken next: the ICE
 * core's helpers still import the core class (narrow interfaces per helper,
 * as SelectorContext is, will break it), and the TCP gatherer shares helpers
 * with the UDP gatherer. Any other cycle fails; so does one of these growing.
 */
export const KNOWN_CYCLES = [
  ['src/agent/agent-core.ts', 'src/agent/inbound-request.ts', 'src/agent/inbound-response.ts', 'src/agent/liveness.ts'],
  ['src/agent/gatherer.ts', 'src/agent/tcp/tcp-gatherer.ts'],
];
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'src');

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** A relative specifier resolved to a source file, as the compiler would (`.js` → `.ts`, folder → index). */
function resolveImport(from, spec) {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(from), spec);
  const candidates = [base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), `${base}.ts`, join(base, 'index.ts'), base];
  return candidates.find((c) => c.endsWith('.ts') && existsSync(c));
}

/** Every import, `import type`, `export … from` and dynamic `import()` of a file. */
function importsOf(file, text) {
  const info = ts.preProcessFile(text, true, true);
  return info.importedFiles.map((f) => resolveImport(file, f.fileName)).filter((x) => x !== undefined);
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
function cycles(graph) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const out = [];
  const strong = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const scc = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc);
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) strong(v);
  return out;
}

/** One shortest cycle through `start` inside its component, for a readable report. */
function cyclePath(graph, scc) {
  const inScc = new Set(scc);
  const start = [...scc].sort()[0];
  const prev = new Map([[start, null]]);
  const queue = [start];
  while (queue.length) {
    const v = queue.shift();
    for (const w of graph.get(v) ?? []) {
      if (!inScc.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let x = v; x !== start; x = prev.get(x)) path.splice(1, 0, x);
        return [...path, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return scc;
}

export function checkHouse(dir = srcDir) {
  const files = walk(dir);
  const graph = new Map();
  const tooLong = [];
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    graph.set(f, importsOf(f, text));
    const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    if (lines > MAX_LINES) tooLong.push({ file: relative(root, f), lines });
  }
  const rel = (f) => relative(root, f);
  const known = (files) => KNOWN_CYCLES.some((k) => k.length === files.length && k.every((f, i) => f === files[i]));
  const all = cycles(graph).map((scc) => ({ files: scc.map(rel).sort(), example: cyclePath(graph, scc).map(rel) }));
  const upward = [];
  for (const [f, deps] of graph) {
    const from = relative(dir, f);
    for (const d of deps) {
      const to = relative(dir, d);
      const rule = FORBIDDEN.find((r) => from.startsWith(r.from) && !(r.except ?? []).some((e) => from.startsWith(e)) && to.startsWith(r.to));
      if (rule) upward.push({ from: rel(f), to: rel(d), why: rule.why });
    }
  }
  return { files: files.length, cycles: all.filter((c) => !known(c.files)), knownCycles: all.filter((c) => known(c.files)), upward, tooLong };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = checkHouse();
  if (process.argv.includes('--json')) console.log(JSON.stringify(result, null, 2));
  else {
    for (const c of result.cycles) console.error(`import cycle (${c.files.length} files): ${c.example.join(' -> ')}`);
    for (const u of result.upward) console.error(`upward import: ${u.from} -> ${u.to} (${u.why})`);
    for (const t of result.tooLong) console.error(`${t.file}: ${t.lines} lines (limit ${MAX_LINES})`);
    for (const c of result.knownCycles) console.log(`known import cycle, to break next: ${c.example.join(' -> ')}`);
    console.log(
      `check-house: ${result.files} files, ${result.cycles.length} new import cycles, ${result.upward.length} upward imports, ${result.tooLong.length} files over ${MAX_LINES} lines`,
    );
  }
  process.exit(result.cycles.length || result.upward.length || result.tooLong.length ? 1 : 0);
}
