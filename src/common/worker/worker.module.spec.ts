import { Injectable, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WorkerLoop, type BackgroundLoop } from './worker-loop.js';
import { WorkerModule } from './worker.module.js';

@Injectable()
@WorkerLoop()
class CountingLoop implements BackgroundLoop {
  starts = 0;
  start(): void {
    this.starts += 1;
  }
}

@Module({ providers: [CountingLoop] })
class DomainModule {}

@Module({ imports: [DomainModule] })
class ApiRoleApp {}

@Module({ imports: [DomainModule, WorkerModule] })
class WorkerRoleApp {}

async function startsIn(app: Type): Promise<number> {
  const context = await NestFactory.createApplicationContext(app, { logger: false });
  try {
    return context.get(CountingLoop, { strict: false }).starts;
  } finally {
    await context.close();
  }
}

describe('WorkerModule', () => {
  it('starts each @WorkerLoop() provider once where it is mounted, and nothing starts it elsewhere', async () => {
    expect(await startsIn(WorkerRoleApp)).toBe(1);
    expect(await startsIn(ApiRoleApp)).toBe(0);
  });
});
