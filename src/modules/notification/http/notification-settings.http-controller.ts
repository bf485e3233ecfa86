import { Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AdminOnly, Authenticated } from '../../../common/auth/access.decorator.js';
import { isAdmin, type Caller } from '../../../common/auth/caller.js';
import { CurrentCaller } from '../../../common/auth/current-caller.decorator.js';
import { Clock } from '../../../common/clock.js';
import { CommandBody } from '../../../common/http/command-body.js';
import { ErrorResponses, SuccessResponse } from '../../../common/http/openapi.js';
import { successEnvelope, type SuccessEnvelope } from '../../../common/http/success-envelope.js';
import { NotificationSettingsService } from '../settings/notification-settings.service.js';
import { fromSettingsBody, SETTINGS_SCHEMA, toSettingsBody, type NotificationSettingsBody } from './notification-settings.http-mapper.js';
import { UPDATE_SETTINGS, type SettingsCommand } from './notification.http-commands.js';

/**
 * Recipients' notification settings over REST, the same service as GraphQL's
 * mySettings/notificationSettings: `/me/...` for the caller's own (any token, keyed by its
 * `sub`), `/users/{id}/...` for anyone's (admin).
 */
@ApiTags('notification-settings')
@Controller()
export class NotificationSettingsHttpController {
  constructor(
    private readonly settings: NotificationSettingsService,
    private readonly clock: Clock,
  ) {}

  @Authenticated()
  @Get('me/notification-settings')
  @ApiOperation({ operationId: 'getMySettings', summary: "The caller's own notification settings" })
  @SuccessResponse(200, 'The settings (the defaults when never saved).', SETTINGS_SCHEMA)
  async getMySettings(@CurrentCaller() caller: Caller): Promise<SuccessEnvelope<NotificationSettingsBody>> {
    return successEnvelope(toSettingsBody(await this.settings.forUser(caller.sub)), this.clock.now());
  }

  @Authenticated()
  @Put('me/notification-settings')
  @ApiOperation({ operationId: 'replaceMySettings', summary: "Replace the caller's own notification settings" })
  @SuccessResponse(200, 'The settings as stored; they apply to notifications planned from now on.', SETTINGS_SCHEMA)
  @ErrorResponses('common.validation_failed', 'notif.event_not_mutable')
  async replaceMySettings(@CurrentCaller() caller: Caller, @CommandBody(UPDATE_SETTINGS) body: SettingsCommand): Promise<SuccessEnvelope<NotificationSettingsBody>> {
    return successEnvelope(toSettingsBody(await this.settings.updateForUser(caller.sub, fromSettingsBody(body), isAdmin(caller))), this.clock.now());
  }

  @Authenticated()
  @Post('me/notification-settings/webhook-secret')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'rotateMyWebhookSecret',
    summary: "A new signing secret for the caller's own webhook target",
    description: 'Answered once, in channels[webhook].signing_secret; records planned from now on are signed with it.',
  })
  @SuccessResponse(200, 'The settings, with the new secret shown.', SETTINGS_SCHEMA)
  @ErrorResponses('notif.no_webhook_target')
  async rotateMyWebhookSecret(@CurrentCaller() caller: Caller): Promise<SuccessEnvelope<NotificationSettingsBody>> {
    return successEnvelope(toSettingsBody(await this.settings.rotateWebhookSecretForUser(caller.sub)), this.clock.now());
  }

  @AdminOnly()
  @Get('users/:id/notification-settings')
  @ApiOperation({ operationId: 'getUserSettings', summary: "A user's notification settings (admin)" })
  @ApiParam({ name: 'id', description: 'The user id (a JWT sub).', schema: { type: 'string' } })
  @SuccessResponse(200, 'The settings (the defaults when never saved).', SETTINGS_SCHEMA)
  @ErrorResponses('common.validation_failed')
  async getUserSettings(@Param('id') id: string): Promise<SuccessEnvelope<NotificationSettingsBody>> {
    return successEnvelope(toSettingsBody(await this.settings.forUser(id)), this.clock.now());
  }

  @AdminOnly()
  @Put('users/:id/notification-settings')
  @ApiOperation({ operationId: 'replaceUserSettings', summary: "Replace a user's notification settings (admin)" })
  @ApiParam({ name: 'id', description: 'The user id (a JWT sub).', schema: { type: 'string' } })
  @SuccessResponse(200, 'The settings as stored.', SETTINGS_SCHEMA)
  @ErrorResponses('common.validation_failed', 'notif.event_not_mutable')
  async replaceUserSettings(@Param('id') id: string, @CommandBody(UPDATE_SETTINGS) body: SettingsCommand): Promise<SuccessEnvelope<NotificationSettingsBody>> {
    return successEnvelope(toSettingsBody(await this.settings.updateForUser(id, fromSettingsBody(body), true)), this.clock.now());
  }

  @AdminOnly()
  @Post('users/:id/notification-settings/webhook-secret')
  @HttpCode(200)
  @ApiOperation({ operationId: 'rotateUserWebhookSecret', summary: "A new signing secret for a user's own webhook target (admin)" })
  @ApiParam({ name: 'id', description: 'The user id (a JWT sub).', schema: { type: 'string' } })
  @SuccessResponse(200, 'The settings, with the new secret shown.', SETTINGS_SCHEMA)
  @ErrorResponses('common.validation_failed', 'notif.no_webhook_target')
  async rotateUserWebhookSecret(@Param('id') id: string): Promise<SuccessEnvelope<NotificationSettingsBody>> {
    return successEnvelope(toSettingsBody(await this.settings.rotateWebhookSecretForUser(id)), this.clock.now());
  }
}
