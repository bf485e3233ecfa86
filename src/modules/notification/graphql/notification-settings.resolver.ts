import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { AdminOnly, Authenticated } from '../../../common/auth/access.decorator.js';
import { isAdmin, type Caller } from '../../../common/auth/caller.js';
import { CurrentCaller } from '../../../common/auth/current-caller.decorator.js';
import { NotificationSettingsService } from '../settings/notification-settings.service.js';
import { NotificationSettingsModel } from './notification-settings.model.js';
import { UpdateNotificationSettingsInput } from './update-notification-settings.input.js';

/**
 * Recipients' notification settings: a caller's own (any token; keyed by its `sub`)
 * and, for admins, anyone's — a user's by id, or a recipient's known only by address.
 */
@Resolver(() => NotificationSettingsModel)
export class NotificationSettingsResolver {
  constructor(private readonly settings: NotificationSettingsService) {}

  @Authenticated()
  @Query(() => NotificationSettingsModel, { description: "The caller's own notification settings." })
  async mySettings(@CurrentCaller() caller: Caller): Promise<NotificationSettingsModel> {
    return NotificationSettingsModel.from(await this.settings.forUser(caller.sub));
  }

  @Authenticated()
  @Mutation(() => NotificationSettingsModel, { description: "Replaces the caller's own notification settings; applies to notifications planned afterwards." })
  async updateMySettings(@CurrentCaller() caller: Caller, @Args('input') input: UpdateNotificationSettingsInput): Promise<NotificationSettingsModel> {
    return NotificationSettingsModel.from(await this.settings.updateForUser(caller.sub, input, isAdmin(caller)));
  }

  @Authenticated()
  @Mutation(() => NotificationSettingsModel, {
    description:
      "A new signing secret for the caller's own webhook target, answered once in channels[webhook].signingSecret; records planned from now on are signed with it. notif.no_webhook_target when there is none.",
  })
  async rotateMyWebhookSecret(@CurrentCaller() caller: Caller): Promise<NotificationSettingsModel> {
    return NotificationSettingsModel.from(await this.settings.rotateWebhookSecretForUser(caller.sub));
  }

  @AdminOnly()
  @Query(() => NotificationSettingsModel, { description: "A user's notification settings (give user), or those of a recipient known only by address (give address)." })
  async notificationSettings(
    @Args('user', { type: () => String, nullable: true }) user?: string,
    @Args('address', { type: () => String, nullable: true }) address?: string,
  ): Promise<NotificationSettingsModel> {
    return NotificationSettingsModel.from(await this.settings.forUserOrAddress(user, address));
  }

  @AdminOnly()
  @Mutation(() => NotificationSettingsModel, { description: "Replaces a user's (user) or an address's (address) notification settings." })
  async updateNotificationSettings(
    @Args('input') input: UpdateNotificationSettingsInput,
    @Args('user', { type: () => String, nullable: true }) user?: string,
    @Args('address', { type: () => String, nullable: true }) address?: string,
  ): Promise<NotificationSettingsModel> {
    return NotificationSettingsModel.from(await this.settings.updateForUserOrAddress(user, address, input));
  }

  @AdminOnly()
  @Mutation(() => NotificationSettingsModel, { description: "rotateMyWebhookSecret for a user's (user) or an address's (address) own webhook target." })
  async rotateWebhookSecret(
    @Args('user', { type: () => String, nullable: true }) user?: string,
    @Args('address', { type: () => String, nullable: true }) address?: string,
  ): Promise<NotificationSettingsModel> {
    return NotificationSettingsModel.from(await this.settings.rotateWebhookSecretForUserOrAddress(user, address));
  }
}
