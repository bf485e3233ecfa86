import { Field, ID, ObjectType } from '@nestjs/graphql';
import type { SyncProductsOutcome } from '../provider.service.js';

@ObjectType('SyncedProduct', { description: 'A product written by syncProducts (SyncedProduct).' })
export class SyncedProductModel {
  @Field(() => ID, { description: 'Local product id.' })
  productId!: string;

  @Field({ description: "The provider's product key." })
  externalId!: string;

  @Field()
  name!: string;

  @Field({ description: 'False: an existing product was updated.' })
  created!: boolean;

  static from(p: SyncProductsOutcome['products'][number]): SyncedProductModel {
    return Object.assign(new SyncedProductModel(), { productId: p.id, externalId: p.externalId, name: p.name, created: p.created });
  }
}
