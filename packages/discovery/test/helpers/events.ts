import type { EventEmitter } from 'node:events';

/** Resolves with the arguments of the next `event` whose arguments satisfy `match`. */
export function nextEvent<A extends unknown[]>(
  emitter: EventEmitter,
  event: string,
  match: (...args: A) => boolean = () => true,
): Promise<A> {
  return new Promise((resolve) => {
    const listener = (...args: unknown[]): void => {
      if (!match(...(args as A))) return;
      emitter.off(event, listener);
      resolve(args as A);
    };
    emitter.on(event, listener);
  });
}
