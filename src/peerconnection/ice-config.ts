import type { IceAgentConfig } from '../agent/agent-config.js';
import type { IceAgent } from '../agent/ice-agent.js';
import { parseIceServerUri } from '../stun/index.js';
import { turnRelayFactory } from '../turn/index.js';
import { IceServerSyntaxError, InvalidAccessError, InvalidModificationError, RTCTypeError } from './errors.js';
import type { RTCConfiguration, RTCIceServer } from './types.js';
import type { SettingEngineValues } from './setting-engine.js';

/** RFC 8489 §14.3: USERNAME is less than 509 bytes. */
const MAX_USERNAME_BYTES = 508;
/** A bound on what one configuration may ask for (browsers cap servers similarly; Chrome: 32 STUN + 32 TURN). */
const MAX_ICE_SERVER_URLS = 64;

/**
 * W3C "validate an ICE server" (§4.4.1.1 set a configuration, steps 11): every
 * URL parses as stun:, stuns:, turn: or turns: (else SyntaxError); turn: and
 * turns: need a username and a credential (else InvalidAccessError). Returns
 * a copy with `urls` as a list.
 */
export function validateIceServers(servers: unknown): RTCIceServer[] {
  if (servers === undefined) return [];
  if (!Array.isArray(servers)) throw new RTCTypeError('iceServers must be an array');
  const out: RTCIceServer[] = [];
  let count = 0;
  servers.forEach((server: unknown, i) => {
    const where = `iceServers[${i}]`;
    if (typeof server !== 'object' || server === null) throw new RTCTypeError(`${where} must be an RTCIceServer object`);
    const { urls, username, credential } = server as Partial<RTCIceServer>;
    const list = typeof urls === 'string' ? [urls] : urls;
    if (!Array.isArray(list)) throw new RTCTypeError(`${where}.urls must be a string or an array of strings`);
    if (list.length === 0) throw new IceServerSyntaxError(`${where}.urls is empty`);
    if (username !== undefined && typeof username !== 'string') throw new RTCTypeError(`${where}.username must be a string`);
    if (credential !== undefined && typeof credential !== 'string') throw new RTCTypeError(`${where}.credential must be a string`);
    for (const url of list) {
      if (typeof url !== 'string') throw new RTCTypeError(`${where}.urls must hold strings`);
      if (++count > MAX_ICE_SERVER_URLS) throw new InvalidAccessError(`iceServers: more than ${MAX_ICE_SERVER_URLS} URLs`);
      let scheme: string;
      try {
        scheme = parseIceServerUri(url).scheme;
      } catch (err) {
        throw new IceServerSyntaxError(`${where}.urls: "${url}": ${(err as Error).message}`, { cause: err });
      }
      if (scheme === 'turn' || scheme === 'turns') {
        if (username === undefined) throw new InvalidAccessError(`${where}.username is required for ${url}`);
        if (credential === undefined) throw new InvalidAccessError(`${where}.credential is required for ${url}`);
        if (Buffer.byteLength(username) > MAX_USERNAME_BYTES) throw new InvalidAccessError(`${where}.username is over ${MAX_USERNAME_BYTES} bytes`);
      }
    }
    out.push({ urls: [...list], ...(username !== undefined ? { username } : {}), ...(credential !== undefined ? { credential } : {}) });
  });
  return out;
}

/** Validates a whole RTCConfiguration (constructor and setConfiguration); returns a normalized copy. */
export function validateConfiguration(config: RTCConfiguration): RTCConfiguration {
  if (typeof config !== 'object' || config === null) throw new RTCTypeError('configuration must be an object');
  const policy = config.iceTransportPolicy;
  if (policy !== undefined && policy !== 'all' && policy !== 'relay') throw new RTCTypeError(`iceTransportPolicy must be 'all' or 'relay', got ${String(policy)}`);
  const bundle = config.bundlePolicy;
  if (bundle !== undefined && bundle !== 'balanced' && bundle !== 'max-compat' && bundle !== 'max-bundle') {
    throw new RTCTypeError(`bundlePolicy must be 'balanced', 'max-compat' or 'max-bundle', got ${String(bundle)}`);
  }
  return {
    ...config,
    iceServers: validateIceServers(config.iceServers),
    iceTransportPolicy: policy ?? 'all',
    bundlePolicy: bundle ?? 'balanced',
  };
}

/**
 * W3C setConfiguration (§4.4.1.6): what may not change throws
 * InvalidModificationError (bundlePolicy here); servers and policy are
 * validated and take effect at the next gathering or ICE restart.
 */
export function reconfigure(current: RTCConfiguration, next: RTCConfiguration, agent: IceAgent): RTCConfiguration {
  const valid = validateConfiguration(next);
  if (valid.bundlePolicy !== current.bundlePolicy) {
    throw new InvalidModificationError(`bundlePolicy cannot change (${String(current.bundlePolicy)} -> ${String(valid.bundlePolicy)})`);
  }
  // Members this API does not model but a browser-shaped caller may pass: they cannot change either.
  const was = current as Record<string, unknown>;
  const now = next as Record<string, unknown>;
  for (const key of ['rtcpMuxPolicy', 'certificates'] as const) {
    if (now[key] !== undefined && now[key] !== was[key] && !(key === 'rtcpMuxPolicy' && now[key] === 'require' && was[key] === undefined)) {
      throw new InvalidModificationError(`${key} cannot change`);
    }
  }
  agent.setGatherPolicy(valid.iceServers ?? [], valid.iceTransportPolicy ?? 'all');
  return valid;
}

/** The ICE agent configuration a peer connection derives from its W3C configuration and SettingEngine. */
export function iceAgentConfig(config: RTCConfiguration, s: Readonly<SettingEngineValues>): IceAgentConfig {
  const c: IceAgentConfig = {
    iceServers: (config.iceServers ?? []).map((x) => ({
      urls: x.urls,
      ...(x.username !== undefined ? { username: x.username } : {}),
      ...(x.credential !== undefined ? { credential: x.credential } : {}),
    })),
    includeLoopback: s.includeLoopbackCandidate,
    lite: s.lite,
    iceTransportPolicy: config.iceTransportPolicy ?? 'all',
    // turn:/turns: servers of iceServers get their allocations from the TURN client.
    relayFactory: turnRelayFactory(s.turnTlsConfig ? { tls: s.turnTlsConfig } : {}),
  };
  const optional: { [K in keyof IceAgentConfig]?: IceAgentConfig[K] | undefined } = {
    portMin: s.portMin,
    portMax: s.portMax,
    nat1To1IPs: s.nat1To1IPs,
    nat1To1CandidateType: s.nat1To1CandidateType,
    addressRewriteRules: s.addressRewriteRules,
    disconnectedTimeoutMs: s.disconnectedTimeoutMs,
    failedTimeoutMs: s.failedTimeoutMs,
    keepaliveIntervalMs: s.keepaliveIntervalMs,
    checkIntervalMs: s.checkIntervalMs,
    hostAcceptanceMinWaitMs: s.hostAcceptanceMinWaitMs,
    srflxAcceptanceMinWaitMs: s.srflxAcceptanceMinWaitMs,
    prflxAcceptanceMinWaitMs: s.prflxAcceptanceMinWaitMs,
    relayAcceptanceMinWaitMs: s.relayAcceptanceMinWaitMs,
    interfaceFilter: s.interfaceFilter,
    ipFilter: s.ipFilter,
    networkTypes: s.networkTypes,
    localUfrag: s.iceUfrag,
    localPwd: s.icePwd,
    mux: s.iceMux,
    net: s.net,
    clock: s.clock,
    rng: s.rng,
  };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) (c as Record<string, unknown>)[k] = v;
  return c;
}
