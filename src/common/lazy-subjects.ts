import { BehaviorSubject, Subject, type Observable } from 'rxjs';

/**
 * A state value exposed as an rxjs stream whose BehaviorSubject is created
 * only when someone first asks for the stream. Until then the value is a
 * plain field. Why: every agent and peer connection carries several state
 * streams that most applications never subscribe to, and an rxjs subject
 * with its observer list is a few hundred bytes each.
 */
export class LazyState<T> {
  #value: T;
  #subject: BehaviorSubject<T> | undefined;
  #listeners: ((value: T) => void)[] | undefined;
  #completed = false;

  constructor(initial: T) {
    this.#value = initial;
  }

  get value(): T {
    return this.#value;
  }

  get completed(): boolean {
    return this.#completed;
  }

  /** Sets the value; emits (and returns true) only when it changed and the stream is open. */
  set(next: T): boolean {
    if (this.#completed || Object.is(next, this.#value)) return false;
    this.#value = next;
    this.#subject?.next(next);
    if (this.#listeners) for (const l of this.#listeners) l(next);
    return true;
  }

  /**
   * Calls `listener` with every later change (not the current value), without
   * creating the stream: the cheap way for the library's own layers to follow
   * a state. `listener` must not throw. Returns the unsubscribe function.
   */
  listen(listener: (value: T) => void): () => void {
    (this.#listeners ??= []).push(listener);
    return () => {
      const i = this.#listeners?.indexOf(listener) ?? -1;
      if (i >= 0) this.#listeners!.splice(i, 1);
    };
  }

  /** The current value, then every change, then completion (like a BehaviorSubject). */
  asObservable(): Observable<T> {
    if (this.#subject === undefined) {
      this.#subject = new BehaviorSubject(this.#value);
      if (this.#completed) this.#subject.complete();
    }
    return this.#subject.asObservable();
  }

  complete(): void {
    if (this.#completed) return;
    this.#completed = true;
    this.#listeners = undefined;
    this.#subject?.complete();
  }
}

/** An event stream whose Subject is created on first subscription request; events before that are not kept. */
export class LazyEvents<T> {
  #subject: Subject<T> | undefined;
  #completed = false;

  /** True once someone has asked for the stream (emitting can be skipped otherwise). */
  get observed(): boolean {
    return this.#subject !== undefined && !this.#completed;
  }

  next(event: T): void {
    if (!this.#completed) this.#subject?.next(event);
  }

  asObservable(): Observable<T> {
    if (this.#subject === undefined) {
      this.#subject = new Subject<T>();
      if (this.#completed) this.#subject.complete();
    }
    return this.#subject.asObservable();
  }

  complete(): void {
    if (this.#completed) return;
    this.#completed = true;
    this.#subject?.complete();
  }
}
