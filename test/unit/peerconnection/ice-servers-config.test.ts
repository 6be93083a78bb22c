import { describe, expect, it } from 'vitest';
import { RTCPeerConnection } from '../../../src/peerconnection/peer-connection.js';
import { validateIceServers } from '../../../src/peerconnection/ice-config.js';
import { SettingEngine } from '../../../src/peerconnection/setting-engine.js';
import type { RTCConfiguration } from '../../../src/peerconnection/types.js';

function errorOf(fn: () => unknown): { name: string; code: string; message: string } {
  try {
    fn();
  } catch (err) {
    return err as { name: string; code: string; message: string };
  }
  throw new Error('did not throw');
}

describe('iceServers validation (W3C set a configuration)', () => {
  it('accepts stun:, stuns:, turn: and turns: URLs with every transport', () => {
    const servers = validateIceServers([
      { urls: 'stun:stun.example.org' },
      { urls: ['stun:192.0.2.1:3478', 'stuns:[2001:db8::1]:5349'] },
      { urls: ['turn:192.0.2.1?transport=udp', 'turn:192.0.2.1?transport=tcp', 'turns:turn.example.org:443?transport=tcp'], username: 'u', credential: 'p' },
    ]);
    expect(servers).toHaveLength(3);
    expect(servers[0]!.urls).toEqual(['stun:stun.example.org']);
  });

  it.each([
    ['an empty urls list', [{ urls: [] }], 'SyntaxError', 'iceServers[0].urls'],
    ['an unknown scheme', [{ urls: 'http://example.org' }], 'SyntaxError', 'iceServers[0].urls'],
    ['garbage', [{ urls: 'stun:' }], 'SyntaxError', 'iceServers[0].urls'],
    ['a query on stun:', [{ urls: 'stun:192.0.2.1?transport=udp' }], 'SyntaxError', 'iceServers[0].urls'],
    ['an unknown TURN transport', [{ urls: 'turn:192.0.2.1?transport=sctp', username: 'u', credential: 'p' }], 'SyntaxError', 'iceServers[0].urls'],
    ['a bad port', [{ urls: 'stun:192.0.2.1:70000' }], 'SyntaxError', 'iceServers[0].urls'],
    ['turn: without username', [{ urls: 'stun:a.org' }, { urls: 'turn:192.0.2.1', credential: 'p' }], 'InvalidAccessError', 'iceServers[1].username'],
    ['turns: without credential', [{ urls: 'turns:192.0.2.1', username: 'u' }], 'InvalidAccessError', 'iceServers[0].credential'],
    ['an oversized username', [{ urls: 'turn:192.0.2.1', username: 'u'.repeat(600), credential: 'p' }], 'InvalidAccessError', 'iceServers[0].username'],
    ['urls of the wrong type', [{ urls: 5 }], 'TypeError', 'iceServers[0].urls'],
    ['a non-object server', ['stun:a.org'], 'TypeError', 'iceServers[0]'],
  ])('refuses %s', (_what, servers, name, argument) => {
    const e = errorOf(() => validateIceServers(servers));
    expect(e.name).toBe(name);
    expect(e.message).toContain(argument);
    expect(e.code).toMatch(/^ERR_PC_/);
  });

  it('bounds the number of URLs', () => {
    const urls = Array.from({ length: 65 }, (_, i) => `stun:192.0.2.${i % 250}`);
    expect(errorOf(() => validateIceServers([{ urls }])).name).toBe('InvalidAccessError');
  });
});

describe('RTCPeerConnection configuration', () => {
  const settings = (): SettingEngine => {
    const s = new SettingEngine();
    s.setNetworkTypes(['udp4']);
    return s;
  };

  it('the constructor validates like browsers do', () => {
    expect(errorOf(() => new RTCPeerConnection({ iceServers: [{ urls: 'turn:192.0.2.1' }] }, { settingEngine: settings() })).name).toBe('InvalidAccessError');
    expect(errorOf(() => new RTCPeerConnection({ iceServers: [{ urls: 'foo:bar' }] }, { settingEngine: settings() })).name).toBe('SyntaxError');
    const bad = { iceTransportPolicy: 'none' } as unknown as RTCConfiguration;
    expect(errorOf(() => new RTCPeerConnection(bad, { settingEngine: settings() })).name).toBe('TypeError');
  });

  it('getConfiguration reflects defaults and setConfiguration', () => {
    const pc = new RTCPeerConnection({ iceServers: [{ urls: 'stun:192.0.2.1' }] }, { settingEngine: settings() });
    try {
      expect(pc.getConfiguration()).toMatchObject({ iceTransportPolicy: 'all', bundlePolicy: 'balanced', iceServers: [{ urls: ['stun:192.0.2.1'] }] });
      pc.setConfiguration({ iceServers: [{ urls: 'turn:192.0.2.2', username: 'u', credential: 'p' }], iceTransportPolicy: 'relay' });
      expect(pc.getConfiguration()).toMatchObject({ iceTransportPolicy: 'relay', iceServers: [{ urls: ['turn:192.0.2.2'], username: 'u', credential: 'p' }] });
    } finally {
      pc.close();
    }
  });

  it('setConfiguration refuses what W3C forbids changing and bad servers, keeping the old configuration', () => {
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' }, { settingEngine: settings() });
    try {
      expect(errorOf(() => pc.setConfiguration({ bundlePolicy: 'balanced' })).name).toBe('InvalidModificationError');
      // Omitted means the default ('balanced'), which differs too (W3C §4.4.1.6).
      expect(errorOf(() => pc.setConfiguration({})).name).toBe('InvalidModificationError');
      expect(errorOf(() => pc.setConfiguration({ bundlePolicy: 'max-bundle', iceServers: [{ urls: 'turns:192.0.2.1' }] })).name).toBe('InvalidAccessError');
      expect(errorOf(() => pc.setConfiguration({ bundlePolicy: 'max-bundle', iceServers: [{ urls: '' }] })).name).toBe('SyntaxError');
      expect(errorOf(() => pc.setConfiguration({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'negotiate' } as RTCConfiguration)).name).toBe('InvalidModificationError');
      expect(errorOf(() => pc.setConfiguration({ bundlePolicy: 'max-bundle', certificates: [] } as RTCConfiguration)).name).toBe('InvalidModificationError');
      pc.setConfiguration({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' } as RTCConfiguration);
      expect(pc.getConfiguration().iceServers).toEqual([]);
    } finally {
      pc.close();
    }
    expect(errorOf(() => pc.setConfiguration({ bundlePolicy: 'max-bundle' })).name).toBe('InvalidStateError');
  });

  it('the TURN TLS config always verifies certificates', () => {
    const s = new SettingEngine();
    s.setTURNTLSConfig({ ca: 'x' });
    expect(s.values.turnTlsConfig).toEqual({ ca: 'x' });
    expect(errorOf(() => s.setTURNTLSConfig({ rejectUnauthorized: false })).code).toBe('ERR_INVALID_ARGUMENT');
  });
});
