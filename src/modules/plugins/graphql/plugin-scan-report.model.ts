import { Field, ObjectType } from '@nestjs/graphql';

@ObjectType('PluginScanReport', { description: 'What a rescan of PLUGINS_DIR changed.' })
export class PluginScanReportModel {
  @Field(() => [String], { description: '<type>/<id> added or changed' })
  changed!: string[];

  @Field(() => [String], { description: '<type>/<id> whose file disappeared' })
  removed!: string[];

  @Field(() => [String], { description: '<type>/<id>: reason, for scripts found invalid' })
  invalid!: string[];

  @Field(() => [String], { description: 'file: reason, for files that are not plugin scripts' })
  ignored!: string[];

  @Field(() => [String], { description: '<type>/<id>: reason, for files the sandbox could not judge this time; they are inspected again shortly' })
  retrying!: string[];
}
