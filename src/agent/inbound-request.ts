import type { TransportAddress } from '../transport/net.js';
import type { StunMessage } from '../stun/index.js';
import type { IceKey } from './stun-checks.js';
import type { IceAgentCore } from './agent-core.js';
import { recheckDue } from './candidate-pair.js';
import { buildCheckError } from './stun-checks.js';


/**
 * RFC 8445 §7.3: an inbound Binding request. Nothing changes state until
 * FINGERPRINT, USERNAME (`<local ufrag>:`) and MESSAGE-INTEGRITY (local
 * password) have been verified.
 */
export function handleInboundRequest(core: IceAgentCore, now: number, baseId: number, from: TransportAddress, msg: StunMessage): void {
  if (!msg.verifyFingerprint()) {
    core.drops.drop('stun-bad-fingerprint');
    return;
  }
  const username = msg.getUsername();
  if (username === undefined) {
    core.drops.drop('stun-no-username');
    return;
  }
  let key: IceKey;
  let previous = false;
  if (username.startsWith(`${core.localCredentials.ufrag}:`)) {
    key = core.localKey;
  } else if (
    core.previousLocalCredentials &&
    core.previousLocalKey &&
    username.startsWith(`${core.previousLocalCredentials.ufrag}:`)
  ) {
    // RFC 8445 §9: checks on the old pair keep working until the restart completes.
    key = core.previousLocalKey;
    previous = true;
  } else {
    core.drops.drop('stun-unknown-ufrag', username);
    return;
  }
  if (!msg.verifyIntegrity(key)) {
    core.drops.drop('stun-bad-integrity');
    return;
  }
  const unknown = msg.unknownComprehensionRequired();
  if (unknown.length > 0) {
    // RFC 8489 §6.3.1.1: 420 listing the comprehension-required attributes we do not understand.
    core.pushTransmit(baseId, from, buildCheckError(msg, 420, 'Unknown Attribute', key, unknown), 'error 420');
    return;
  }
  if (previous) {
    core.replySuccess(baseId, from, msg, key);
    core.noteInbound(now, baseId, from);
    return;
  }
  if (!core.config.lite) {
    const decision = core.roleDecision(msg);
    if (decision.action === 'reject') {
      core.log.debug(`role conflict with ${from.address}:${from.port}: replying 487`);
      core.replyError(baseId, from, msg, 487, 'Role Conflict');
      return;
    }
    if (decision.action === 'switch') core.switchRole(decision.role, 'role conflict in inbound check');
  }
  const base = core.pairableBase(baseId);
  const transport = base?.candidate.transport ?? 'udp';
  let remote = core.remotes.get(transport, from.address, from.port);
  if (!remote) {
    const priority = msg.getPriority();
    if (priority === undefined) {
      // RFC 8445 §7.1.1: PRIORITY is mandatory in checks.
      core.replyError(baseId, from, msg, 400, 'Bad Request: missing PRIORITY');
      return;
    }
    remote = core.storeRemote(core.makeRemotePrflx(baseId, from, priority));
    if (remote && remote.type === 'prflx') {
      core.log.debug(`new remote prflx ${remote.toString()}`);
      core.pushEvent({ type: 'remote-prflx', candidate: remote });
    }
  }
  core.replySuccess(baseId, from, msg, key);
  if (!remote) return;
  const pair = core.pairFor(baseId, remote);
  if (!pair) return;
  pair.requestsReceived++;
  pair.responsesSent++;
  pair.lastSeenMs = now;
  core.noteInbound(now, baseId, from);
  const useCandidate = msg.hasUseCandidate();
  if (core.selector.sendsChecks) {
    // RFC 8445 §7.3.1.4: triggered checks.
    if (pair.state === 'waiting' || pair.state === 'frozen' || pair.state === 'failed') {
      core.setPairState(pair, 'waiting');
      core.checklist.enqueueTriggered(pair);
    } else if (pair.state === 'in-progress' && recheckDue(pair, now)) {
      // The peer is reachable on this pair now: a fresh check beats waiting out the
      // retransmission backoff (RFC 8445 §7.3.1.4 re-checks In-Progress pairs too; the
      // earlier transaction still counts if its response arrives).
      core.checklist.enqueueTriggered(pair);
    }
  }
  core.selector.onRequest(core.selectorContext, pair, useCandidate, now);
}
