import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsModule } from '../events/events.module.js';
import { PluginsModule } from '../plugins/plugins.module.js';
import { HealthSweepEntity } from './health-sweep.entity.js';
import { HealthSweepRepository } from './health-sweep.repository.js';
import { HealthSweeper } from './health-sweeper.service.js';
import { IntegrationResolver } from './graphql/integration.resolver.js';
import { ProviderResolver } from './graphql/provider.resolver.js';
import { IntegrationGrpcController } from './grpc/integration.grpc-controller.js';
import { InterfaceDirectoryService } from './interface-directory.service.js';
import { InterfaceHealthService } from './interface-health.service.js';
import { InterfaceService } from './interface.service.js';
import { NotifierDirectory } from './notifier-directory.service.js';
import { PluginAdminService } from './plugin-admin.service.js';
import { PluginInterfaceEntity } from './plugin-interface.entity.js';
import { PluginInterfaceRepository } from './plugin-interface.repository.js';
import { InstanceEntity } from './instance.entity.js';
import { InstanceRepository } from './instance.repository.js';
import { ProductEntity } from './product.entity.js';
import { ProductRepository } from './product.repository.js';
import { ProviderService } from './provider.service.js';
import { SpecTemplateCache } from './spec-template.cache.js';

/**
 * Integration: plugin interfaces (configured instances of plugins), products and instances, the
 * IntegrationService RPCs and the plugin health-check cron. Calls plugins only through the plugins
 * module's runtime; never reads the plugins table itself.
 */
@Module({
  imports: [TypeOrmModule.forFeature([PluginInterfaceEntity, HealthSweepEntity, ProductEntity, InstanceEntity]), PluginsModule, EventsModule],
  controllers: [IntegrationGrpcController],
  providers: [
    PluginInterfaceRepository,
    InterfaceService,
    InterfaceHealthService,
    InterfaceDirectoryService,
    PluginAdminService,
    ProductRepository,
    InstanceRepository,
    ProviderService,
    SpecTemplateCache,
    HealthSweepRepository,
    HealthSweeper,
    IntegrationResolver,
    ProviderResolver,
    NotifierDirectory,
  ],
  exports: [NotifierDirectory],
})
export class IntegrationModule {}
