import type { ApolloServerPlugin } from '@apollo/server';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { GraphQLError, TokenKind, validate, type DocumentNode, type ValidationContext, type ValidationRule } from 'graphql';
import type { Request } from 'express';
import { bearerToken } from '../auth/token.service.js';

/** What a caller may spend on one operation: nesting depth, aliases, graphql-armor's cost, lexical tokens. */
export interface OperationBudget {
  depth: number;
  aliases: number;
  cost: number;
  tokens: number;
}

/** Reported as validation errors (the rules' default is to throw, which Apollo takes for an internal error). */
const report = { propagateOnRejection: false, onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(error)] };

/** The validation rules that hold an operation to a budget's depth, aliases and cost (introspection exempt from depth and cost). */
export function budgetRules(budget: OperationBudget): ValidationRule[] {
  return [
    maxDepthRule({ n: budget.depth, ignoreIntrospection: true, ...report }),
    maxAliasesRule({ n: budget.aliases, ...report }),
    costLimitRule({ maxCost: budget.cost, ignoreIntrospection: true, ...report }),
  ];
}

/**
 * The lexical tokens of a parsed document, comments aside, as graphql-js's `maxTokens` counts them
 * (it keeps them linked from the document's location).
 */
export function tokenCount(document: DocumentNode): number {
  let count = 0;
  for (let token = document.loc?.startToken.next ?? null; token !== null && token.kind !== TokenKind.EOF; token = token.next) {
    if (token.kind !== TokenKind.COMMENT) count++;
  }
  return count;
}

/**
 * The tighter budget of a caller without a valid token. Such a caller can only reach what is
 * public (serverInfo, introspection when on), so it has no need for a large operation, and it is
 * who floods a server. Checked on every request after Apollo's own validation, which it may skip
 * for a document it validated before (its document cache is shared by all callers): the budget
 * applies to the caller, not to the text. A token is only verified here (cached), never trusted:
 * the resolvers' AuthGuard still checks it.
 */
export function anonymousBudgetPlugin(budget: OperationBudget, isValidToken: (token: string) => Promise<boolean>): ApolloServerPlugin<{ req: Request }> {
  const rules = budgetRules(budget);
  const anonymous = async (req: Request | undefined): Promise<boolean> => {
    const header = req?.headers.authorization;
    const token = typeof header === 'string' ? bearerToken(header) : null;
    return token === null || !(await isValidToken(token));
  };
  return {
    async requestDidStart({ contextValue }) {
      if (!(await anonymous(contextValue.req))) return {};
      return {
        didResolveOperation({ document, schema }) {
          const tokens = tokenCount(document);
          const errors =
            tokens > budget.tokens
              ? [new GraphQLError(`Without a token, an operation may have at most ${budget.tokens} tokens; this one has ${tokens}.`)]
              : validate(schema, document, rules);
          if (errors.length === 0) return Promise.resolve();
          const [first] = errors;
          return Promise.reject(
            new GraphQLError(`${first.message} (the budget of a caller without a token)`, {
              nodes: first.nodes,
              extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } },
            }),
          );
        },
      };
    },
  };
}
