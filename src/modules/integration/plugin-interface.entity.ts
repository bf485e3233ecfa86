import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A plugin interface: a configured instance of a plugin definition (seed 001 PluginInterfaceInfo). */
@Entity({ name: 'plugin_interfaces' })
@Index('plugin_interfaces_def_name_unique', ['pluginDefId', 'displayName'], { unique: true })
@Index('plugin_interfaces_type_idx', ['pluginType'])
export class PluginInterfaceEntity {
  /** UUID v7. */
  @PrimaryColumn('uuid')
  id!: string;

  /** plugins.id; no foreign key: the plugins table belongs to the plugins module (its rows are never deleted). */
  @Column('uuid')
  pluginDefId!: string;

  /** Denormalised from the definition (seed 001). */
  @Column('varchar', { length: 32 })
  pluginType!: string;

  @Column('varchar', { length: 64 })
  pluginId!: string;

  @Column('varchar', { length: 200 })
  displayName!: string;

  @Column('boolean')
  enabled!: boolean;

  /** The configuration with its secrets, as validated against configSchema. */
  @Column('jsonb')
  config!: Record<string, unknown>;

  /** config_schema() of the plugin at creation. */
  @Column('jsonb')
  configSchema!: Record<string, unknown>;

  /** version() of the plugin at creation. */
  @Column('varchar', { length: 64 })
  pluginVersion!: string;

  @Column('boolean')
  hasAdminPage!: boolean;

  @Column('boolean', { default: false })
  isHealthy!: boolean;

  @Column('text', { nullable: true })
  healthError!: string | null;

  @Column('timestamptz', { nullable: true })
  lastCheckAt!: Date | null;

  /** Providers: spec_template() as last fetched (on creation and update), so listing calls no plugin. */
  @Column('jsonb', { nullable: true })
  specTemplate!: Record<string, unknown> | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
