import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * A server known locally that lives on a provider: ordered through CreateUpstreamInstance or
 * imported with ImportUpstreamInstance. One row per interface and provider instance id, so
 * importing the same upstream instance twice answers the same local instance.
 */
@Entity({ name: 'instances' })
@Index('instances_interface_provider_unique', ['interfaceId', 'providerInstanceId'], { unique: true })
export class InstanceEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  interfaceId!: string;

  @Column('varchar', { length: 200 })
  providerInstanceId!: string;

  /** Last status the provider reported. */
  @Column('varchar', { length: 64 })
  status!: string;

  @Column('varchar', { length: 64, nullable: true })
  ipAddress!: string | null;

  /** "ordered" (CreateUpstreamInstance) or "imported". */
  @Column('varchar', { length: 16 })
  origin!: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
