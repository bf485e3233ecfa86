import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One row: a counter that every statement writing plugin_interfaces (INSERT, UPDATE, DELETE,
 * TRUNCATE, from any replica or any SQL client) raises by one, in the writing transaction, through
 * a statement-level trigger (migration AddPluginInterfacesVersion). A reader that sees a value sees
 * exactly the rows committed with it, so "the table is unchanged since I read it" is one
 * primary-key lookup. Not written by the application itself.
 */
@Entity({ name: 'plugin_interfaces_version' })
export class PluginInterfacesVersionEntity {
  /** Always 1. */
  @PrimaryColumn('smallint')
  id!: number;

  @Column('bigint')
  version!: string;
}
