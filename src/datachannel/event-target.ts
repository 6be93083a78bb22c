import type { ScopedLogger } from '../common/log.js';

/** The W3C event objects of data channels, as plain objects (Node has no DOM). */
export interface DataChannelEvent {
  readonly type: string;
  readonly target: unknown;
  readonly currentTarget: unknown;
  readonly [key: string]: unknown;
}

export type EventListenerLike<E> = ((event: E) => void) | { handleEvent(event: E): void };

interface Registered {
  listener: EventListenerLike<never>;
  once: boolean;
}

/**
 * A small `addEventListener`/`removeEventListener` surface for libraries
 * written against the browser API. Unlike Node's `EventTarget`, a listener
 * that throws is logged, not rethrown as an uncaught exception: a user
 * callback must not take the process down from inside a packet handler.
 */
export class SafeEventTarget {
  #listeners: Map<string, Registered[]> | undefined;

  constructor(protected readonly eventLog: ScopedLogger) {}

  addEventListener(type: string, listener: EventListenerLike<never> | null, options?: boolean | { once?: boolean }): void {
    if (!listener) return;
    const list: Registered[] = (this.#listeners ??= new Map<string, Registered[]>()).get(type) ?? [];
    if (list.some((r) => r.listener === listener)) return;
    list.push({ listener, once: typeof options === 'object' && options.once === true });
    this.#listeners.set(type, list);
  }

  removeEventListener(type: string, listener: EventListenerLike<never> | null): void {
    const list = this.#listeners?.get(type);
    if (!list || !listener) return;
    const i = list.findIndex((r) => r.listener === listener);
    if (i >= 0) list.splice(i, 1);
  }

  /** Calls the listeners of `event.type`, then `handler` (the `onxxx` attribute). */
  protected emit<E extends DataChannelEvent>(event: E, handler: ((event: E) => void) | null): void {
    const list = this.#listeners?.get(event.type);
    if (list?.length) {
      for (const r of [...list]) {
        if (r.once) this.removeEventListener(event.type, r.listener);
        this.#call(r.listener as EventListenerLike<E>, event);
      }
    }
    if (handler) this.#call(handler, event);
  }

  #call<E>(listener: EventListenerLike<E>, event: E): void {
    try {
      if (typeof listener === 'function') listener.call(this, event);
      else listener.handleEvent(event);
    } catch (err) {
      this.eventLog.error(`event listener threw`, err);
    }
  }
}
