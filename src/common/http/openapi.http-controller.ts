import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiResponse, type OpenAPIObject } from '@nestjs/swagger';
import { Public } from '../auth/access.decorator.js';
import { NoDatabase, OpenApiDocument } from './openapi.js';

/** GET /openapi.json: the REST API's OpenAPI 3.1 document, as built from the controllers at boot. */
@Controller()
export class OpenApiHttpController {
  constructor(private readonly document: OpenApiDocument) {}

  @Public()
  @NoDatabase()
  @Get('openapi.json')
  @Header('cache-control', 'no-cache')
  @ApiOperation({ operationId: 'getOpenApiDocument', summary: 'This document' })
  @ApiResponse({ status: 200, description: 'The OpenAPI 3.1 document of the REST API.', content: { 'application/json': { schema: { type: 'object' } } } })
  getOpenApiDocument(): OpenAPIObject {
    return this.document.get();
  }
}
