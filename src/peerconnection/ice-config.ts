import type { IceAgentConfig } from '../agent/agent-config.js';
import type { RTCConfiguration } from './types.js';
import type { SettingEngineValues } from './setting-engine.js';

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
