/**
 * Groups packets sent within {@link SEND_TIME_GROUP_MS} of each other
 * (a video frame, or a burst) and reports, for each completed group, how far
 * apart it was sent and arrived from the previous one (draft-ietf-rmcat-gcc-02
 * §5.2; libwebrtc's InterArrivalDelta, constants from there).
 */
export const SEND_TIME_GROUP_MS = 5;
/** Packets arriving this close together with a shrinking delay are one burst (§5.2). */
const BURST_DELTA_MS = 5;
const MAX_BURST_DURATION_MS = 100;
/** Arrival-clock jumps larger than this reset the grouping (the remote clock restarted). */
const ARRIVAL_OFFSET_RESET_MS = 3000;
const REORDERED_RESET = 3;

interface Group {
  firstSendMs: number;
  sendMs: number;
  firstArrivalMs: number;
  completeMs: number;
  /** Our own time when the last packet's feedback was handled (to spot remote clock jumps). */
  systemMs: number;
  size: number;
}

export interface GroupDelta {
  sendDeltaMs: number;
  arrivalDeltaMs: number;
  sizeDelta: number;
}

export class InterArrival {
  #current: Group | undefined;
  #previous: Group | undefined;
  #reordered = 0;

  /** One received packet (in arrival order); returns the deltas when it closed a group. */
  add(sendMs: number, arrivalMs: number, systemMs: number, size: number): GroupDelta | undefined {
    const cur = this.#current;
    let out: GroupDelta | undefined;
    if (!cur) {
      this.#current = { firstSendMs: sendMs, sendMs, firstArrivalMs: arrivalMs, completeMs: arrivalMs, systemMs, size };
      return undefined;
    }
    if (sendMs < cur.firstSendMs) return undefined; // reordered across groups: ignored
    if (this.#newGroup(cur, sendMs, arrivalMs)) {
      const prev = this.#previous;
      if (prev) {
        const sendDeltaMs = cur.sendMs - prev.sendMs;
        const arrivalDeltaMs = cur.completeMs - prev.completeMs;
        const systemDeltaMs = cur.systemMs - prev.systemMs;
        if (arrivalDeltaMs - systemDeltaMs >= ARRIVAL_OFFSET_RESET_MS) {
          this.reset();
          this.#current = { firstSendMs: sendMs, sendMs, firstArrivalMs: arrivalMs, completeMs: arrivalMs, systemMs, size };
          return undefined;
        }
        if (arrivalDeltaMs < 0) {
          if (++this.#reordered >= REORDERED_RESET) this.reset();
          return undefined;
        }
        this.#reordered = 0;
        out = { sendDeltaMs, arrivalDeltaMs, sizeDelta: cur.size - prev.size };
      }
      this.#previous = cur;
      this.#current = { firstSendMs: sendMs, sendMs, firstArrivalMs: arrivalMs, completeMs: arrivalMs, systemMs, size };
      return out;
    }
    cur.sendMs = Math.max(cur.sendMs, sendMs);
    cur.size += size;
    cur.completeMs = arrivalMs;
    cur.systemMs = systemMs;
    return undefined;
  }

  reset(): void {
    this.#current = this.#previous = undefined;
    this.#reordered = 0;
  }

  #newGroup(cur: Group, sendMs: number, arrivalMs: number): boolean {
    if (this.#belongsToBurst(cur, sendMs, arrivalMs)) return false;
    return sendMs - cur.firstSendMs > SEND_TIME_GROUP_MS;
  }

  #belongsToBurst(cur: Group, sendMs: number, arrivalMs: number): boolean {
    const arrivalDelta = arrivalMs - cur.completeMs;
    const sendDelta = sendMs - cur.sendMs;
    if (sendDelta === 0) return true;
    const propagationDelta = arrivalDelta - sendDelta;
    return propagationDelta < 0 && arrivalDelta <= BURST_DELTA_MS && arrivalMs - cur.firstArrivalMs < MAX_BURST_DURATION_MS;
  }
}
