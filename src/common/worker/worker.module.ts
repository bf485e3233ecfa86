import { Injectable, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { WORKER_LOOP_KEY, type BackgroundLoop } from './worker-loop.js';

/** Starts every `@WorkerLoop()` provider of the app, one after the other, once the modules are up. */
@Injectable()
class WorkerLoops implements OnApplicationBootstrap {
  constructor(private readonly discovery: DiscoveryService) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const wrapper of this.discovery.getProviders({ metadataKey: WORKER_LOOP_KEY })) {
      const loop = wrapper.instance as BackgroundLoop | undefined;
      if (!loop) throw new Error(`worker loop ${wrapper.name} is not a singleton provider`);
      await loop.start();
    }
  }
}

/**
 * The worker roles' background work: mounted by AppModule when SWITCHBOARD_ROLE is worker or all,
 * and nowhere else (a dependency-cruiser rule keeps it so). Mounting it is what starts the loops:
 * the providers marked `@WorkerLoop()` (worker-loop.ts) are started at bootstrap. It also brings
 * the scheduler (SchedulerRegistry) the health cron registers its job with.
 */
@Module({
  imports: [DiscoveryModule, ScheduleModule.forRoot()],
  providers: [WorkerLoops],
})
export class WorkerModule {}
