import { Field, ObjectType } from '@nestjs/graphql';
import type { AdminPage } from '../integration.types.js';

@ObjectType('PluginAdminPage', { description: "A plugin's admin page (admin_page()), shown in an iframe." })
export class PluginAdminPageModel {
  @Field()
  title!: string;

  @Field()
  html!: string;

  static from(p: AdminPage): PluginAdminPageModel {
    return Object.assign(new PluginAdminPageModel(), p);
  }
}
