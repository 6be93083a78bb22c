#!/usr/bin/env node
// tern-rtc command line: `tern-rtc turn [options]` runs the TURN server.
// Runs the compiled entry from dist/; in a source checkout without a build, the TypeScript through tsx.
import { existsSync } from 'node:fs';

const [command, ...args] = process.argv.slice(2);
const USAGE = 'Usage: tern-rtc <command> [options]\n\nCommands:\n  turn    run a TURN server (tern-rtc turn --help)\n';

if (command !== 'turn') {
  (command && command !== '--help' && command !== '-h' ? process.stderr : process.stdout).write(USAGE);
  process.exit(command && command !== '--help' && command !== '-h' ? 2 : 0);
}

const dist = new URL('../dist/turn-server/cli.js', import.meta.url);
let cli;
if (existsSync(dist)) {
  cli = await import(dist.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(new URL('../src/turn-server/cli.ts', import.meta.url).href);
}
process.exitCode = await cli.runTurnCli(args);
