import type { IceAgentCore } from './agent-core.js';
import { buildKeepalive } from './stun-checks.js';

/**
 * Liveness of the agent, run on every timeout: checking → failed after
 * failedTimeoutMs (or when every pair failed and both sides are done
 * gathering); on the selected pair, consent freshness (RFC 7675),
 * disconnected after disconnectedTimeoutMs without inbound traffic, failed
 * after disconnectedTimeoutMs + failedTimeoutMs (Pion's rule), and
 * keepalives (RFC 8445 §11) when nothing was sent or received for
 * keepaliveIntervalMs.
 */
export function runLiveness(core: IceAgentCore, now: number): void {
  const c = core.config;
  if (core.state === 'checking' && !core.selected && core.started) {
    const timedOut = c.failedTimeoutMs > 0 && now - core.checkingStartedMs >= c.failedTimeoutMs;
    const exhausted = core.remotes.endOfCandidates && core.localGatheringComplete && core.checklist.allFailed();
    if (timedOut || exhausted) {
      core.log.debug(timedOut ? 'no pair succeeded within failedTimeoutMs' : 'every pair failed');
      core.setState('failed');
    }
    return;
  }
  const s = core.selected;
  if (!s || (core.state !== 'connected' && core.state !== 'disconnected')) return;
  if (!c.lite && core.consent.expired(now)) {
    // RFC 7675 §5.1: consent expired; stop sending and give up the pair.
    core.log.info(`consent expired on ${s.toString()}`);
    core.consent.stop();
    core.setState('failed');
    return;
  }
  const silentMs = now - core.lastInboundMs;
  if (c.failedTimeoutMs > 0 && silentMs > c.disconnectedTimeoutMs + c.failedTimeoutMs) {
    core.setState('failed');
    return;
  }
  if (c.disconnectedTimeoutMs > 0 && silentMs > c.disconnectedTimeoutMs) core.setState('disconnected');
  if (!c.lite && core.consent.requestDue(now)) {
    core.consent.requestSent(now);
    core.sendConsent(now, s, 'consent');
  }
  const ka = c.keepaliveIntervalMs;
  if (ka <= 0 || now - core.lastKeepaliveMs < ka) return;
  const quietIn = now - core.lastInboundMs >= ka;
  const quietOut = now - core.lastOutboundMs >= ka;
  if (!quietIn && !quietOut) return;
  core.lastKeepaliveMs = now;
  if (c.lite) {
    // Lite agents send no requests (RFC 8445 §2.5): an indication keeps NAT bindings open.
    if (quietOut) core.pushTransmit(s.local.baseId, s.remote, buildKeepalive(core.rng), 'keepalive indication');
    core.lastOutboundMs = now;
    return;
  }
  // As Pion does, the keepalive is a Binding request: its response is inbound traffic, so a
  // peer that sends nothing of its own (an ICE-lite server, a quiet werift) never looks
  // disconnected, and an authenticated response also renews consent (RFC 7675 §5.1).
  core.sendConsent(now, s, 'keepalive');
}

/** The next liveness deadline on the selected pair (consent, keepalive, disconnected, failed); Infinity when none. */
export function livenessDeadline(core: IceAgentCore): number {
  if (!core.selected || (core.state !== 'connected' && core.state !== 'disconnected')) return Infinity;
  let t = core.consent.deadline();
  const c = core.config;
  const ka = c.keepaliveIntervalMs;
  if (ka > 0) t = Math.min(t, Math.max(core.lastKeepaliveMs + ka, Math.min(core.lastInboundMs, core.lastOutboundMs) + ka));
  if (c.disconnectedTimeoutMs > 0 && core.state === 'connected') t = Math.min(t, core.lastInboundMs + c.disconnectedTimeoutMs + 1);
  if (c.failedTimeoutMs > 0) t = Math.min(t, core.lastInboundMs + c.disconnectedTimeoutMs + c.failedTimeoutMs + 1);
  return t;
}
