import { Body, Controller, Get, Headers, Param, Put } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AdminOnly, Authenticated } from '../../../common/auth/access.decorator.js';
import type { Caller } from '../../../common/auth/caller.js';
import { CurrentCaller } from '../../../common/auth/current-caller.decorator.js';
import { Clock } from '../../../common/clock.js';
import { ErrorResponses, JsonBody, SuccessResponse } from '../../../common/http/openapi.js';
import { successEnvelope, type SuccessEnvelope } from '../../../common/http/success-envelope.js';
import { NotificationSettingsService } from '../notification-settings.service.js';
import { fromSettingsBody, SETTINGS_SCHEMA, toSettingsBody, UPDATE_SETTINGS_SCHEMA, type NotificationSettingsBody } from './notification-settings.http-mapper.js';

/**
 * Recipients' notification settings over REST (issue 12), the same service as GraphQL's
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
  @ApiOperation({ summary: "The caller's own notification settings" })
  @SuccessResponse(200, 'The settings (the defaults when never saved).', SETTINGS_SCHEMA)
  async mine(@CurrentCaller() caller: Caller): Promise<SuccessEnvelope<NotificationSettingsBody>> {
    return successEnvelope(toSettingsBody(await this.settings.forUser(caller.sub)), this.clock.now());
  }

  @Authenticated()
  @Put('me/notification-settings')
  @ApiOperation({ summary: "Replace the caller's own notification settings" })
  @JsonBody(UPDATE_SETTINGS_SCHEMA)
  @SuccessResponse(200, 'The settings as stored; they apply to notifications planned from now on.', SETTINGS_SCHEMA)
  @ErrorResponses('common.validation_failed', 'notif.event_not_mutable')
  async updateMine(@CurrentCaller() caller: Caller, @Body() body: unknown, @Headers('content-type') contentType?: string): Promise<SuccessEnvelope<NotificationSettingsBody>> {
    return successEnvelope(toSettingsBody(await this.settings.updateForUser(caller.sub, fromSettingsBody(body, contentType))), this.clock.now());
  }

  @AdminOnly()
  @Get('users/:id/notification-settings')
  @ApiOperation({ summary: "A user's notification settings (admin)" })
  @ApiParam({ name: 'id', description: 'The user id (a JWT sub).', schema: { type: 'string' } })
  @SuccessResponse(200, 'The settings (the defaults when never saved).', SETTINGS_SCHEMA)
  @ErrorResponses('common.validation_failed')
  async ofUser(@Param('id') id: string): Promise<SuccessEnvelope<NotificationSettingsBody>> {
    return successEnvelope(toSettingsBody(await this.settings.forUser(id)), this.clock.now());
  }

  @AdminOnly()
  @Put('users/:id/notification-settings')
  @ApiOperation({ summary: "Replace a user's notification settings (admin)" })
  @ApiParam({ name: 'id', description: 'The user id (a JWT sub).', schema: { type: 'string' } })
  @JsonBody(UPDATE_SETTINGS_SCHEMA)
  @SuccessResponse(200, 'The settings as stored.', SETTINGS_SCHEMA)
  @ErrorResponses('common.validation_failed', 'notif.event_not_mutable')
  async updateOfUser(@Param('id') id: string, @Body() body: unknown, @Headers('content-type') contentType?: string): Promise<SuccessEnvelope<NotificationSettingsBody>> {
    return successEnvelope(toSettingsBody(await this.settings.updateForUser(id, fromSettingsBody(body, contentType))), this.clock.now());
  }
}
