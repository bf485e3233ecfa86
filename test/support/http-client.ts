import { OpenApiContract } from './openapi-contract.js';

/** Small fetch wrappers for REST and GraphQL over real HTTP. */

export interface HttpResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface HttpOptions {
  token?: string | null;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  /**
   * Every REST answer is held to the app's /openapi.json (status declared for the operation,
   * content type, body schema, the headers it requires; an unknown path or method must answer
   * the error envelope), and a mismatch fails the test. Opt out only for what the document
   * deliberately does not describe, saying why: `undocumented: 'a probe route mounted by this test only'`.
   */
  undocumented?: string;
}

const contracts = new Map<string, Promise<OpenApiContract>>();

/** The document of the app at baseUrl, fetched once per app (the same for every call to it). */
function contractOf(baseUrl: string): Promise<OpenApiContract> {
  let contract = contracts.get(baseUrl);
  if (!contract) {
    contract = OpenApiContract.load(baseUrl);
    contracts.set(baseUrl, contract);
    contract.catch(() => contracts.delete(baseUrl));
  }
  return contract;
}

/** GraphQL and its playground have their own schema, not the REST document. */
const OUTSIDE_THE_DOCUMENT = /^\/graphql(-playground)?(\/|\?|$)/;

export async function http<T = any>(baseUrl: string, method: string, path: string, options: HttpOptions = {}): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) {
    body = options.rawBody;
    headers['content-type'] ??= 'application/json';
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(baseUrl + path, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  if (options.undocumented === undefined && !OUTSIDE_THE_DOCUMENT.test(path)) {
    // The app may have closed by now (a test of shutdown): then its document is no longer there to fetch.
    const contract = await contractOf(baseUrl).catch((err: unknown) => {
      throw new Error(`${method} ${path}: could not load ${baseUrl}/openapi.json to check the answer against (${(err as Error).message})`);
    });
    const answer = { status: response.status, contentType: response.headers.get('content-type'), body: parsed, allow: response.headers.get('allow'), headers: response.headers };
    try {
      contract.verify(method, path, answer);
    } catch (err) {
      // A port the OS gave an earlier app (another role, another document) may serve a new one: read it again once.
      contracts.delete(baseUrl);
      const fresh = await contractOf(baseUrl).catch(() => null);
      if (!fresh || JSON.stringify(fresh.document) === JSON.stringify(contract.document)) throw err;
      fresh.verify(method, path, answer);
    }
  }
  return { status: response.status, headers: response.headers, body: parsed as T };
}

export interface GraphqlResponse<T = any> {
  data?: T | null;
  errors?: { message: string; path?: string[]; extensions?: Record<string, any> }[];
}

export async function graphql<T = any>(
  baseUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string | null,
): Promise<HttpResult<GraphqlResponse<T>>> {
  return http<GraphqlResponse<T>>(baseUrl, 'POST', '/graphql', { token, body: { query, variables } });
}
