import { GraphQLError, type ASTVisitor, type ValidationContext, type ValidationRule } from 'graphql';
import { AppError } from '../errors/app-error.js';
import { renderGraphqlError } from '../errors/error-renderers.js';
import { currentTraceId } from '../logging/request-context.js';

const INTROSPECTION_FIELDS = new Set(['__schema', '__type']);

/**
 * GRAPHQL_INTROSPECTION=false: a query selecting `__schema` or `__type` is refused while it is
 * validated, before anything runs, with `common.introspection_disabled`. `__typename` stays allowed:
 * clients add it to every selection to tell types apart. Ours rather than Apollo's
 * `introspection: false`, whose message tells the caller to reconfigure Apollo Server.
 */
export const noIntrospection: ValidationRule = (context: ValidationContext): ASTVisitor => ({
  Field(node) {
    if (!INTROSPECTION_FIELDS.has(node.name.value)) return;
    const rendered = renderGraphqlError(
      new AppError(
        'common.introspection_disabled',
        `Introspection (${node.name.value}) is turned off on this server: GRAPHQL_INTROSPECTION is false, its default when NODE_ENV=production. The schema is published as src/schema.gql in the Switchboard repository.`,
      ),
      currentTraceId(),
    );
    context.reportError(new GraphQLError(rendered.message, { nodes: node, extensions: rendered.extensions }));
  },
});
