import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * A product synced from a provider interface (SyncProducts). Keyed by the interface and the
 * provider's product key; a product the provider stops listing is marked unavailable, never
 * deleted (orders may name it).
 */
@Entity({ name: 'products' })
@Index('products_interface_external_unique', ['interfaceId', 'externalId'], { unique: true })
export class ProductEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  interfaceId!: string;

  /** The provider's product key. */
  @Column('varchar', { length: 200 })
  externalId!: string;

  @Column('varchar', { length: 500 })
  name!: string;

  @Column('text', { nullable: true })
  description!: string | null;

  /** Decimal amount as the provider gave it. */
  @Column('varchar', { length: 64, nullable: true })
  price!: string | null;

  @Column('varchar', { length: 16, nullable: true })
  currency!: string | null;

  @Column('varchar', { length: 32, nullable: true })
  billingCycle!: string | null;

  @Column('jsonb', { default: {} })
  specs!: Record<string, unknown>;

  /** False once the provider no longer lists it. */
  @Column('boolean', { default: true })
  available!: boolean;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
