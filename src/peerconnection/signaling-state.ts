import { InvalidStateError } from './errors.js';
import type { RTCSdpType, RTCSignalingState } from './types.js';

/**
 * The JSEP signaling state machine (RFC 9429 §3.2, W3C §4.3.1) as a pure
 * transition table: which state setting a description of `type` locally or
 * remotely leads to.
 */
type Side = 'local' | 'remote';

const TABLE: Record<Exclude<RTCSignalingState, 'closed'>, Partial<Record<`${Side}:${RTCSdpType}`, RTCSignalingState>>> = {
  stable: { 'local:offer': 'have-local-offer', 'remote:offer': 'have-remote-offer' },
  'have-local-offer': {
    'local:offer': 'have-local-offer',
    'local:rollback': 'stable',
    'remote:answer': 'stable',
    'remote:pranswer': 'have-remote-pranswer',
  },
  'have-remote-offer': {
    'remote:offer': 'have-remote-offer',
    'remote:rollback': 'stable',
    'local:answer': 'stable',
    'local:pranswer': 'have-local-pranswer',
  },
  'have-local-pranswer': { 'local:pranswer': 'have-local-pranswer', 'local:answer': 'stable' },
  'have-remote-pranswer': { 'remote:pranswer': 'have-remote-pranswer', 'remote:answer': 'stable' },
};

export function nextSignalingState(state: RTCSignalingState, side: Side, type: RTCSdpType): RTCSignalingState {
  if (state === 'closed') throw new InvalidStateError('the peer connection is closed');
  const next = TABLE[state][`${side}:${type}`];
  if (!next) throw new InvalidStateError(`cannot set a ${side} ${type} in signaling state ${state}`);
  return next;
}
