import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { AdminOnly, Authenticated } from '../../../common/auth/access.decorator.js';
import type { Caller } from '../../../common/auth/caller.js';
import { CurrentCaller } from '../../../common/auth/current-caller.decorator.js';
import { ProviderService } from '../provider.service.js';
import { CreateUpstreamInstanceInput } from './create-upstream-instance.input.js';
import { ImportedInstanceModel } from './imported-instance.model.js';
import { InstanceStatusModel } from './instance-status.model.js';
import { PriceQuoteModel } from './price-quote.model.js';
import { ProductSyncModel } from './product-sync.model.js';
import { QueryPriceInput } from './query-price.input.js';
import { ServerSpecInput } from './server-spec.input.js';
import { UpstreamBalanceModel } from './upstream-balance.model.js';
import { UpstreamInstanceModel } from './upstream-instance.model.js';
import { UpstreamOrderModel } from './upstream-order.model.js';

/**
 * The provider operations of IntegrationService in the GraphQL admin: the same ProviderService
 * methods, access rules and error codes as the gRPC controller. syncProducts, priceQuote and
 * createUpstreamInstance are open to any authenticated caller (seed 001), the rest to admins.
 */
@Resolver()
export class ProviderResolver {
  constructor(private readonly providers: ProviderService) {}

  @Authenticated()
  @Mutation(() => ProductSyncModel, { description: "SyncProducts: upserts the provider's products; ones it no longer lists become unavailable." })
  async syncProducts(@Args('interfaceId', { type: () => ID }) interfaceId: string): Promise<ProductSyncModel> {
    return ProductSyncModel.from(await this.providers.syncProducts(interfaceId));
  }

  @Authenticated()
  @Query(() => PriceQuoteModel, { description: 'QueryPrice: what the provider charges for a spec.' })
  async priceQuote(@Args('input') input: QueryPriceInput): Promise<PriceQuoteModel> {
    return PriceQuoteModel.from(await this.providers.queryPrice({ interfaceId: input.interfaceId, spec: QueryPriceInput.toSpec(input) }));
  }

  @Authenticated()
  @Mutation(() => UpstreamOrderModel, {
    description:
      'CreateUpstreamInstance: orders a server. A retry with the same idempotencyKey (or, without one, the same caller and spec) does not buy a second one.',
  })
  async createUpstreamInstance(
    @CurrentCaller() caller: Caller,
    @Args('input') input: CreateUpstreamInstanceInput,
    @Args('idempotencyKey', { type: () => String, nullable: true, description: 'As the idempotency-key gRPC metadata: 1 to 100 of A-Z a-z 0-9 . _ : -' })
    idempotencyKey?: string | null,
  ): Promise<UpstreamOrderModel> {
    return UpstreamOrderModel.from(
      await this.providers.createInstance({ interfaceId: input.interfaceId, spec: ServerSpecInput.toSpec(input.serverSpec), callerSub: caller.sub, idempotencyKey }),
    );
  }

  @AdminOnly()
  @Query(() => InstanceStatusModel, { description: 'GetInstanceStatus: an instance as the provider reports it now.' })
  async instanceStatus(
    @Args('interfaceId', { type: () => ID }) interfaceId: string,
    @Args('instanceId', { description: "The provider's instance id." }) instanceId: string,
  ): Promise<InstanceStatusModel> {
    return InstanceStatusModel.from(await this.providers.instanceStatus({ interfaceId, instanceId }));
  }

  @AdminOnly()
  @Query(() => [UpstreamInstanceModel], { description: 'SyncUpstreamInstances: every instance the upstream provider lists.' })
  async upstreamInstances(@Args('interfaceId', { type: () => ID }) interfaceId: string): Promise<UpstreamInstanceModel[]> {
    return (await this.providers.syncUpstreamInstances(interfaceId)).map((i) => UpstreamInstanceModel.from(i));
  }

  @AdminOnly()
  @Mutation(() => ImportedInstanceModel, { description: 'ImportUpstreamInstance: records an upstream instance locally.' })
  async importUpstreamInstance(
    @Args('interfaceId', { type: () => ID }) interfaceId: string,
    @Args('instanceId', { description: "The provider's instance id." }) instanceId: string,
  ): Promise<ImportedInstanceModel> {
    return ImportedInstanceModel.from(await this.providers.importUpstreamInstance({ interfaceId, instanceId }));
  }

  @AdminOnly()
  @Query(() => UpstreamBalanceModel, { description: 'GetUpstreamBalance: the account balance at the upstream provider.' })
  async upstreamBalance(@Args('interfaceId', { type: () => ID }) interfaceId: string): Promise<UpstreamBalanceModel> {
    return UpstreamBalanceModel.from(await this.providers.upstreamBalance(interfaceId));
  }
}
