import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A plugin definition: one script file plugins/<plugin_type>/<plugin_id>.js, as last scanned. */
@Entity({ name: 'plugins' })
@Index('plugins_type_id_unique', ['pluginType', 'pluginId'], { unique: true })
export class PluginEntity {
  /** UUID v7. */
  @PrimaryColumn('uuid')
  id!: string;

  @Column('varchar', { length: 32 })
  pluginType!: string;

  @Column('varchar', { length: 64 })
  pluginId!: string;

  /** From version(), "0.0.0" when the script has none. */
  @Column('varchar', { length: 64 })
  version!: string;

  @Column('text')
  source!: string;

  @Column('char', { length: 64 })
  sha256!: string;

  /** Top-level functions the script defines. */
  @Column('text', { array: true })
  functions!: string[];

  @Column('boolean')
  hasAdminPage!: boolean;

  /** From config_schema(); null when the script is invalid. */
  @Column('jsonb', { nullable: true })
  configSchema!: Record<string, unknown> | null;

  /** Notifiers: channel(). */
  @Column('varchar', { length: 16, nullable: true })
  channel!: string | null;

  /** False when the script breaks the contract; see invalidReason. An invalid plugin cannot be called. */
  @Column('boolean')
  valid!: boolean;

  @Column('text', { nullable: true })
  invalidReason!: string | null;

  /** False once the file is gone. The row stays so interfaces keep their history. */
  @Column('boolean')
  available!: boolean;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
