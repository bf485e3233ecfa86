import { Field, Int, ObjectType } from '@nestjs/graphql';
import type { SyncProductsOutcome } from '../provider.service.js';
import { SyncedProductModel } from './synced-product.model.js';

@ObjectType('ProductSync', { description: 'What syncProducts created and updated (SyncProductsResponse).' })
export class ProductSyncModel {
  @Field(() => [SyncedProductModel])
  products!: SyncedProductModel[];

  @Field(() => Int)
  createdCount!: number;

  @Field(() => Int)
  updatedCount!: number;

  static from(s: SyncProductsOutcome): ProductSyncModel {
    return Object.assign(new ProductSyncModel(), {
      products: s.products.map((p) => SyncedProductModel.from(p)),
      createdCount: s.createdCount,
      updatedCount: s.updatedCount,
    });
  }
}
