import { Injectable } from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';

/**
 * The in-process events: each name with the arguments its listeners receive. They reach this
 * process only (EventEmitter2, synchronous); other replicas hear PostgreSQL NOTIFY on the channels
 * named in the same `<module>.events.ts` files, which are not events of this map.
 *
 * src/common names no module, so each module declares its own events in its `<module>.events.ts`
 * by declaration merging, as it declares its error codes:
 *
 * ```ts
 * declare module '../../common/in-process-events.js' {
 *   interface InProcessEvents { 'plugins.changed': [PluginsChangedEvent] }
 * }
 * ```
 *
 * Every emit goes through InProcessEmitter and every listener through @OnInProcessEvent (ESLint
 * refuses EventEmitter2 and OnEvent elsewhere in src/, unit specs aside), so an unknown name, a
 * missing or wrong payload, or a listener that expects another payload does not compile.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface InProcessEvents {}

export type InProcessEventName = keyof InProcessEvents;

/** The app's EventEmitter2, typed by the map. */
@Injectable()
export class InProcessEmitter {
  constructor(private readonly emitter: EventEmitter2) {}

  /** Calls this process's listeners now, in order; a listener that throws throws here. */
  emit<E extends InProcessEventName>(event: E, ...payload: InProcessEvents[E]): void {
    this.emitter.emit(event, ...payload);
  }

  /** Listens outside a provider (tests, probes); providers use @OnInProcessEvent. */
  on<E extends InProcessEventName>(event: E, listener: (...payload: InProcessEvents[E]) => void): void {
    this.emitter.on(event, listener as (...values: unknown[]) => void);
  }
}

/** @OnEvent for an event of the map: the method must accept that event's payload. */
export function OnInProcessEvent<E extends InProcessEventName>(
  event: E,
): <M extends (...payload: InProcessEvents[E]) => unknown>(target: object, key: string | symbol, descriptor: TypedPropertyDescriptor<M>) => void {
  return (target, key, descriptor) => {
    OnEvent(event)(target, key, descriptor);
  };
}
