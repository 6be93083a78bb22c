import { InvalidArgumentError } from '../common/errors.js';
import { InterceptorChain } from './chain.js';
import type { Interceptor, InterceptorContext, InterceptorFactory } from './interceptor.js';
import { TwccHeaderExtensionFactory } from './twcc-header-extension.js';

/**
 * The interceptors every peer connection of a SettingEngine gets, in order
 * (Pion's interceptor.Registry). Add, insert, remove and reorder factories by
 * name; each peer connection builds its own chain from them when its
 * transport starts, so a change applies to peer connections started later.
 * An empty registry builds no chain at all: packets then go straight between
 * the senders, receivers and the transport, at no cost.
 */
export class InterceptorRegistry {
  #factories: InterceptorFactory[] = [];

  /** Appends a factory (its interceptor sits nearest the application). */
  add(factory: InterceptorFactory): this {
    this.#check(factory);
    this.#factories.push(factory);
    return this;
  }

  /** Inserts a factory at `index` (0: nearest the transport). */
  insert(index: number, factory: InterceptorFactory): this {
    this.#check(factory);
    if (!Number.isInteger(index) || index < 0 || index > this.#factories.length) throw new InvalidArgumentError(`index must be 0..${this.#factories.length}, got ${index}`);
    this.#factories.splice(index, 0, factory);
    return this;
  }

  /** Removes the factory with this name; returns whether there was one. */
  remove(name: string): boolean {
    const i = this.#factories.findIndex((f) => f.name === name);
    if (i < 0) return false;
    this.#factories.splice(i, 1);
    return true;
  }

  /** Puts the factories in the order of `names`, which must name each exactly once. */
  reorder(names: readonly string[]): void {
    const byName = new Map(this.#factories.map((f) => [f.name, f]));
    if (names.length !== byName.size || new Set(names).size !== names.length || names.some((n) => !byName.has(n))) {
      throw new InvalidArgumentError(`reorder needs each of ${[...byName.keys()].join(', ')} exactly once`);
    }
    this.#factories = names.map((n) => byName.get(n)!);
  }

  has(name: string): boolean {
    return this.#factories.some((f) => f.name === name);
  }

  /** The factory names, nearest the transport first. */
  get names(): string[] {
    return this.#factories.map((f) => f.name);
  }

  get size(): number {
    return this.#factories.length;
  }

  /** One chain for one peer connection, or undefined when the registry is empty. */
  build(context: InterceptorContext): Interceptor | undefined {
    if (this.#factories.length === 0) return undefined;
    const built: Interceptor[] = [];
    try {
      for (const f of this.#factories) built.push(f.newInterceptor(context));
    } catch (err) {
      for (const i of built) i.close();
      throw err;
    }
    return built.length === 1 ? built[0] : new InterceptorChain(built);
  }

  #check(factory: InterceptorFactory): void {
    if (!factory || typeof factory.newInterceptor !== 'function') throw new InvalidArgumentError('not an interceptor factory');
    if (typeof factory.name !== 'string' || !factory.name) throw new InvalidArgumentError('an interceptor factory needs a name');
    if (this.has(factory.name)) throw new InvalidArgumentError(`an interceptor named ${factory.name} is already registered`);
  }
}

/**
 * Pion's RegisterDefaultInterceptors, for what is not built in: NACK
 * generation and answers, sender/receiver reports and transport-cc feedback
 * are built into the peer connection (its RTCP scheduler), so the default
 * interceptor is the transport-wide sequence number writer, which lets the
 * remote peer send transport-cc feedback about our streams (and a congestion
 * controller added after it read that feedback).
 */
export function registerDefaultInterceptors(registry: InterceptorRegistry): InterceptorRegistry {
  if (!registry.has(TwccHeaderExtensionFactory.NAME)) registry.add(new TwccHeaderExtensionFactory());
  return registry;
}
