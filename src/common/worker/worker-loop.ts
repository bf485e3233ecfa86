import { DiscoveryService } from '@nestjs/core';

/**
 * A background loop of the worker roles: the outbox relay, the dispatcher, the health cron,
 * record retention. The provider is marked `@WorkerLoop()` and lives in its domain module, so it
 * exists in every role (its one-shot methods, such as Dispatcher.sendNow, work in the api role
 * too); only start() is left to WorkerModule, which the app mounts in the worker and all roles.
 * Stopping stays with the provider's own shutdown hook.
 */
export interface BackgroundLoop {
  /** Starts the loop (timers, LISTEN, a first look). Called once, at bootstrap, by WorkerModule. */
  start(): void | Promise<void>;
}

const discoverable = DiscoveryService.createDecorator<void>();

/** The metadata key WorkerModule finds the marked providers by. */
export const WORKER_LOOP_KEY = discoverable.KEY;

/** Marks a provider as a background loop: WorkerModule calls its start() at bootstrap. */
export function WorkerLoop(): (target: abstract new (...args: never[]) => BackgroundLoop) => void {
  return (target) => discoverable()(target);
}
