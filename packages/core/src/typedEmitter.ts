import type { EventEmitter } from 'node:events';

/**
 * A map from event name to the listener's argument tuple, such as
 * `{ backendDown: [backend: Backend, reason: string] }`.
 */
export type EventMap = { [event: string]: unknown[] };

/**
 * Narrows Node's `EventEmitter` methods to a known event map, so `on('workerExit', …)` knows its payload. Classes
 * extend `EventEmitter` and declare `interface X extends TypedEventEmitter<XEvents> {}` through declaration merging.
 */
export interface TypedEventEmitter<Events extends EventMap> extends EventEmitter {
  on<K extends keyof Events & string>(event: K, listener: (...args: Events[K]) => void): this;
  once<K extends keyof Events & string>(event: K, listener: (...args: Events[K]) => void): this;
  off<K extends keyof Events & string>(event: K, listener: (...args: Events[K]) => void): this;
  emit<K extends keyof Events & string>(event: K, ...args: Events[K]): boolean;
}
