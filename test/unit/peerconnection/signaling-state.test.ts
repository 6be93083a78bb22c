import { describe, expect, it } from 'vitest';
import { InvalidStateError } from '../../../src/peerconnection/errors.js';
import { nextSignalingState } from '../../../src/peerconnection/signaling-state.js';
import type { RTCSdpType, RTCSignalingState } from '../../../src/peerconnection/types.js';

const STATES: RTCSignalingState[] = ['stable', 'have-local-offer', 'have-remote-offer', 'have-local-pranswer', 'have-remote-pranswer', 'closed'];
const TYPES: RTCSdpType[] = ['offer', 'answer', 'pranswer', 'rollback'];

/** RFC 9429 §3.2 / W3C §4.3.1: every allowed transition; everything else is an InvalidStateError. */
const ALLOWED: Record<string, RTCSignalingState> = {
  'stable local offer': 'have-local-offer',
  'stable remote offer': 'have-remote-offer',
  'have-local-offer local offer': 'have-local-offer',
  'have-local-offer local rollback': 'stable',
  'have-local-offer remote answer': 'stable',
  'have-local-offer remote pranswer': 'have-remote-pranswer',
  'have-remote-offer remote offer': 'have-remote-offer',
  'have-remote-offer remote rollback': 'stable',
  'have-remote-offer local answer': 'stable',
  'have-remote-offer local pranswer': 'have-local-pranswer',
  'have-local-pranswer local pranswer': 'have-local-pranswer',
  'have-local-pranswer local answer': 'stable',
  'have-remote-pranswer remote pranswer': 'have-remote-pranswer',
  'have-remote-pranswer remote answer': 'stable',
};

describe('signaling state table', () => {
  for (const state of STATES) {
    for (const side of ['local', 'remote'] as const) {
      for (const type of TYPES) {
        const key = `${state} ${side} ${type}`;
        it(key, () => {
          const expected = ALLOWED[key];
          if (expected) expect(nextSignalingState(state, side, type)).toBe(expected);
          else expect(() => nextSignalingState(state, side, type)).toThrow(InvalidStateError);
        });
      }
    }
  }
  it('names the state and the description in the error', () => {
    expect(() => nextSignalingState('stable', 'remote', 'answer')).toThrow(/remote answer in signaling state stable/);
    expect(() => nextSignalingState('closed', 'local', 'offer')).toThrow(/closed/);
  });
  it('a full offer/answer round with pranswers returns to stable on both sides', () => {
    let offerer: RTCSignalingState = 'stable';
    let answerer: RTCSignalingState = 'stable';
    offerer = nextSignalingState(offerer, 'local', 'offer');
    answerer = nextSignalingState(answerer, 'remote', 'offer');
    answerer = nextSignalingState(answerer, 'local', 'pranswer');
    offerer = nextSignalingState(offerer, 'remote', 'pranswer');
    answerer = nextSignalingState(answerer, 'local', 'answer');
    offerer = nextSignalingState(offerer, 'remote', 'answer');
    expect([offerer, answerer]).toEqual(['stable', 'stable']);
  });
});
