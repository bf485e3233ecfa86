import { Inject } from '@nestjs/common';
import { Mutation, Query, Resolver } from '@nestjs/graphql';
import { AdminOnly, Authenticated, Public } from '../auth/access.decorator.js';
import type { Caller } from '../auth/caller.js';
import { CurrentCaller } from '../auth/current-caller.decorator.js';
import { APP_CONFIG } from '../tokens.js';
import type { AppConfig } from '../../config/app-config.js';
import { SERVER_VERSION } from '../../config/version.js';
import { ReadinessService } from './readiness.service.js';
import { RestartService } from './restart.service.js';
import { CallerModel } from './caller.model.js';
import { ServerInfo } from './server-info.model.js';
import { SystemStatusModel } from './system-status.model.js';

@Resolver()
export class SystemResolver {
  constructor(
    private readonly readiness: ReadinessService,
    private readonly restarts: RestartService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Public()
  @Query(() => ServerInfo)
  serverInfo(): ServerInfo {
    return { name: 'switchboard', version: SERVER_VERSION, role: this.config.role };
  }

  @Authenticated()
  @Query(() => CallerModel)
  me(@CurrentCaller() caller: Caller): CallerModel {
    return { sub: caller.sub, role: caller.role, permissions: [...caller.permissions] };
  }

  @AdminOnly()
  @Query(() => SystemStatusModel)
  systemStatus(): Promise<SystemStatusModel> {
    return this.readiness.status();
  }

  @AdminOnly()
  @Mutation(() => Boolean, { description: 'RestartServer: answers true, then the server restarts gracefully (README, Restarting).' })
  restartServer(): boolean {
    this.restarts.request();
    return true;
  }
}
