import type { IceRole } from './agent-config.js';
import type { CandidatePair } from './candidate-pair.js';
import type { IceAgentCore } from './agent-core.js';
import { Candidate, candidateFoundation } from '../candidate/index.js';
import { StunAttr, StunClass, type StunMessage } from '../stun/index.js';
import type { IceKey } from './stun-checks.js';
import { formatAddress, sameAddress, type TransportAddress } from '../transport/net.js';

/** What an outstanding transaction was for. */
export type TxContext =
  | {
      readonly kind: 'check' | 'consent';
      readonly pair: CandidatePair;
      readonly useCandidate: boolean;
      readonly role: IceRole;
      /** Short-term key the request was signed with (the response must verify with it). */
      readonly key: IceKey;
      readonly sentAt: number;
      /** PRIORITY sent, reused for a local prflx candidate (RFC 8445 §7.2.5.3.1). */
      readonly priority: number;
    }
  | { readonly kind: 'srflx'; readonly requestId: number; readonly baseId: number; readonly server: TransportAddress };

/** RFC 8445 §7.2.5: a response to one of our checks, consent requests or server bindings. */
export function handleInboundResponse(core: IceAgentCore, now: number, from: TransportAddress, msg: StunMessage): void {
  const txKey = msg.transactionId.toString('hex');
  const ctx = core.txContexts.get(txKey);
  if (!ctx) {
    core.drops.drop('stun-unknown-transaction');
    return;
  }
  if (ctx.kind === 'srflx') {
    if (msg.hasAttr(StunAttr.Fingerprint) && !msg.verifyFingerprint()) {
      core.drops.drop('stun-bad-fingerprint');
      return;
    }
    if (!sameAddress(from, ctx.server)) {
      core.drops.drop('stun-response-wrong-source');
      return;
    }
    core.tx.handleResponse(now, msg);
    core.txContexts.delete(txKey);
    core.removeSrflxRequest(ctx.requestId);
    const mapped = msg.messageClass === StunClass.SuccessResponse ? (msg.getXorMappedAddress() ?? msg.getMappedAddress()) : undefined;
    core.log.debug(`srflx from ${formatAddress(ctx.server)}: ${mapped ? formatAddress(mapped) : 'error response'}`);
    core.pushEvent({ type: 'srflx', requestId: ctx.requestId, baseId: ctx.baseId, server: ctx.server, mapped });
    return;
  }
  // Integrity and fingerprint first: nothing changes before they verify (RFC 8445 §7.2.5).
  if (!msg.verifyFingerprint()) {
    core.drops.drop('stun-bad-fingerprint');
    return;
  }
  if (!msg.verifyIntegrity(ctx.key)) {
    core.drops.drop('stun-bad-integrity');
    return;
  }
  const result = core.tx.handleResponse(now, msg);
  core.txContexts.delete(txKey);
  const pair = ctx.pair;
  pair.txDone(txKey);
  const rttMs = result?.rttMs ?? now - ctx.sentAt;
  // RFC 8445 §7.2.5.2.1: the response must come from where the request went.
  if (!sameAddress(from, pair.remote)) {
    core.log.debug(`response from ${formatAddress(from)} for ${pair.toString()}: non-symmetric`);
    if (ctx.kind === 'check') core.setPairState(pair, 'failed');
    return;
  }
  if (msg.messageClass === StunClass.ErrorResponse) {
    const err = msg.getErrorCode();
    core.log.debug(`check on ${pair.toString()} got error ${err?.code ?? '?'} ${err?.reason ?? ''}`);
    if (ctx.kind !== 'check') return;
    if (err?.code === 487) core.onRoleConflictResponse(pair, ctx.role);
    else core.setPairState(pair, 'failed');
    return;
  }
  pair.responsesReceived++;
  pair.rttMs = rttMs;
  pair.lastSeenMs = now;
  const baseId = pair.local.baseId;
  core.noteInbound(now, baseId, from);
  if (ctx.kind === 'consent') {
    core.consent.responseReceived(now);
    return;
  }
  if (core.checklist.get(pair.id) !== pair) return; // the pair left the check list (restart, eviction)
  const mapped = msg.getXorMappedAddress();
  if (mapped && !core.locals.isKnown(baseId, mapped)) {
    // RFC 8445 §7.2.5.3.1: a mapped address that is no local candidate is a local peer-reflexive candidate.
    const base = pair.local;
    const c = new Candidate({
      foundation: candidateFoundation({ type: 'prflx', baseAddress: base.base.address, transport: base.candidate.transport }),
      component: 1,
      transport: base.candidate.transport,
      priority: ctx.priority,
      address: mapped.address,
      port: mapped.port,
      type: 'prflx',
      relatedAddress: base.base.address,
      relatedPort: base.base.port,
      ...(base.candidate.tcpType !== undefined ? { tcpType: base.candidate.tcpType } : {}),
    });
    pair.mappedAddress = mapped;
    core.addLocalPrflx(c, baseId);
  }
  core.setPairState(pair, 'succeeded');
  // RFC 8445 §7.2.5.3.3: unfreeze the pairs of the same foundation.
  core.checklist.unfreezeFoundation(pair.foundation);
  core.selector.onCheckSucceeded(core.selectorContext, pair, ctx.useCandidate, now);
}

/** A transaction ran out of retransmissions (RFC 8445 §7.2.5.2.2 / RFC 8489 §6.2.1). */
export function handleTransactionTimeout(core: IceAgentCore, now: number, transactionId: Buffer): void {
  const txKey = transactionId.toString('hex');
  const ctx = core.txContexts.get(txKey);
  if (!ctx) return;
  core.txContexts.delete(txKey);
  if (ctx.kind === 'srflx') {
    if (core.removeSrflxRequest(ctx.requestId)) {
      core.pushEvent({ type: 'srflx', requestId: ctx.requestId, baseId: ctx.baseId, server: ctx.server, mapped: undefined });
    }
    return;
  }
  ctx.pair.txDone(txKey);
  if (ctx.kind === 'consent') return; // expiry is judged by ConsentTracker
  const pair = ctx.pair;
  if (ctx.useCandidate) pair.nominationSent = false;
  if (pair.state === 'in-progress') {
    core.log.debug(`check on ${pair.toString()} timed out`);
    core.setPairState(pair, 'failed');
  }
  void now;
}
