import type { IceRole } from './agent-config.js';

/** What to do with an inbound check given the role attributes it carries. */
export type InboundRoleDecision =
  | { action: 'proceed' }
  /** Switch to `role`, then process the request normally. */
  | { action: 'switch'; role: IceRole }
  /** Reply 487 (Role Conflict) and leave everything else unchanged. */
  | { action: 'reject' };

/**
 * RFC 8445 §7.3.1.1: detecting and repairing role conflicts on a received
 * Binding request. `remoteControlling`/`remoteControlled` are the
 * tie-breakers of ICE-CONTROLLING / ICE-CONTROLLED when present.
 */
export function decideInboundRole(
  role: IceRole,
  tieBreaker: bigint,
  remoteControlling: bigint | undefined,
  remoteControlled: bigint | undefined,
): InboundRoleDecision {
  if (role === 'controlling' && remoteControlling !== undefined) {
    // "If the agent's tiebreaker value is larger than or equal to the contents of
    // the ICE-CONTROLLING attribute, the agent generates a 487 error response."
    if (tieBreaker >= remoteControlling) return { action: 'reject' };
    // "Otherwise, the agent switches to the controlled role."
    return { action: 'switch', role: 'controlled' };
  }
  if (role === 'controlled' && remoteControlled !== undefined) {
    // "If the agent's tiebreaker value is larger than or equal to the contents of
    // the ICE-CONTROLLED attribute, the agent switches to the controlling role."
    if (tieBreaker >= remoteControlled) return { action: 'switch', role: 'controlling' };
    // "Otherwise, the agent generates a 487 error response."
    return { action: 'reject' };
  }
  return { action: 'proceed' };
}

/**
 * RFC 8445 §7.2.5.1: on a 487 response the agent switches role only if the
 * role it had when it sent the request is still its role (a later switch
 * already repaired the conflict).
 */
export function roleAfter487(currentRole: IceRole, roleWhenSent: IceRole): IceRole {
  if (currentRole !== roleWhenSent) return currentRole;
  return currentRole === 'controlling' ? 'controlled' : 'controlling';
}

/** RFC 8445 §7.3.1.1 / RFC 8489 §14.8: 487 Role Conflict. */
export const ROLE_CONFLICT_CODE = 487;
