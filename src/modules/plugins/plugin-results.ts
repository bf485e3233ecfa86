import type { JSONSchemaType } from 'ajv';
import { NOTIFIER_CHANNELS, SEND_ERROR_CODES, SEND_OUTCOMES, type NotifierChannel, type SendErrorCode, type SendOutcome } from './plugin-contract.js';

/**
 * The shape each contract function must return, as JSON Schema (checked with ajv at call time; a
 * wrong shape is plugins.invalid_result naming the function and the field) and as TypeScript
 * types for the modules that call plugins. admin_* actions may return any JSON.
 */

export interface HealthCheckResult {
  healthy: boolean;
  error?: string | null;
}

export interface AdminPageResult {
  title: string;
  html: string;
}

export interface SendResult {
  outcome: SendOutcome;
  provider_message_id?: string | null;
  error_code?: SendErrorCode | null;
  error_message?: string | null;
  retry_after_seconds?: number | null;
}

/**
 * SpecField.field_type: exactly what RustBill's customer web client draws (anything else would
 * become a plain text box there): a number input, a text box, a drop-down of `options`, the region
 * picker, the operating-system picker, a checkbox.
 */
export const SPEC_FIELD_TYPES = ['Integer', 'String', 'Select', 'Region', 'OsOptions', 'Boolean'] as const;
export type SpecFieldType = (typeof SPEC_FIELD_TYPES)[number];

export interface SpecFieldResult {
  key: string;
  label: string;
  field_type: SpecFieldType;
  required?: boolean;
  display_order?: number;
  options?: string[];
  min?: number;
  max?: number;
  default_value?: string;
}

export interface SpecTemplateResult {
  fields: SpecFieldResult[];
}

export interface SyncedProductResult {
  external_id: string;
  name: string;
  description?: string;
  price?: string;
  currency?: string;
  billing_cycle?: string;
  specs?: Record<string, unknown>;
}

export interface SyncProductsResult {
  products: SyncedProductResult[];
}

export interface QueryPriceResult {
  amount: string;
  currency: string;
  billing_cycle: string;
}

export interface CreateInstanceResult {
  provider_instance_id: string;
  status: string;
  ip_address?: string;
}

export interface InstanceStatusResult {
  status: string;
  ip_address?: string;
}

export interface UpstreamInstanceResult {
  instance_id: string;
  status: string;
  ip_address?: string;
  created_at?: string;
}

export interface SyncUpstreamInstancesResult {
  instances: UpstreamInstanceResult[];
}

export interface UpstreamBalanceResult {
  balance: string;
  currency: string;
}

export interface CreatePaymentResult {
  /** Where to send the payer (hosted payment page), or instructions to show, or both. */
  redirect_url?: string;
  instructions?: string;
  /** The gateway's reference for this payment, when it has one. */
  payment_reference?: string;
}

export interface VerifyCallbackResult {
  valid: boolean;
  /** Our order / payment id the gateway echoes back. */
  order_id?: string;
  payment_reference?: string;
  amount?: string;
  status?: 'paid' | 'pending' | 'failed';
  /** What to answer the gateway's callback with (e.g. "success" for 易支付). */
  reply?: string;
}

export interface PluginResults {
  version: string;
  config_schema: Record<string, unknown>;
  health_check: HealthCheckResult;
  admin_page: AdminPageResult;
  channel: NotifierChannel;
  supported_events: string[];
  send: SendResult;
  spec_template: SpecTemplateResult;
  sync_products: SyncProductsResult;
  query_price: QueryPriceResult;
  create_instance: CreateInstanceResult;
  get_instance_status: InstanceStatusResult;
  sync_upstream_instances: SyncUpstreamInstancesResult;
  get_upstream_balance: UpstreamBalanceResult;
  create_payment: CreatePaymentResult;
  verify_callback: VerifyCallbackResult;
}

export type ContractFunction = keyof PluginResults;

const str = { type: 'string' } as const;
const nullableStr = { type: 'string', nullable: true } as const;
const amount = { type: 'string', pattern: '^-?\\d+(\\.\\d+)?$' } as const;

export const RESULT_SCHEMAS: { [F in ContractFunction]: JSONSchemaType<PluginResults[F]> | Record<string, unknown> } = {
  version: str,
  config_schema: { type: 'object' },
  health_check: {
    type: 'object',
    properties: { healthy: { type: 'boolean' }, error: nullableStr },
    required: ['healthy'],
  },
  admin_page: {
    type: 'object',
    properties: { title: str, html: str },
    required: ['title', 'html'],
  },
  channel: { type: 'string', enum: [...NOTIFIER_CHANNELS] },
  supported_events: { type: 'array', items: { type: 'string', minLength: 1 } },
  send: {
    type: 'object',
    properties: {
      outcome: { type: 'string', enum: [...SEND_OUTCOMES] },
      provider_message_id: nullableStr,
      error_code: { type: 'string', enum: [...SEND_ERROR_CODES], nullable: true },
      error_message: nullableStr,
      retry_after_seconds: { type: 'number', minimum: 0, nullable: true },
    },
    required: ['outcome'],
    // A failure must say which of seed 003's codes it is, so retry and alerting can rely on it.
    if: { properties: { outcome: { enum: ['temporary_fail', 'permanent_fail'] } } },
    then: { required: ['error_code'], properties: { error_code: { type: 'string' } } },
  },
  spec_template: {
    type: 'object',
    properties: {
      fields: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            key: str,
            label: str,
            field_type: { type: 'string', enum: [...SPEC_FIELD_TYPES] },
            required: { type: 'boolean' },
            display_order: { type: 'integer', minimum: 0 },
            options: { type: 'array', items: str },
            min: { type: 'integer' },
            max: { type: 'integer' },
            default_value: str,
          },
          required: ['key', 'label', 'field_type'],
        },
      },
    },
    required: ['fields'],
  },
  sync_products: {
    type: 'object',
    properties: {
      products: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            external_id: { type: 'string', minLength: 1 },
            name: { type: 'string', minLength: 1 },
            description: str,
            price: amount,
            currency: str,
            billing_cycle: str,
            specs: { type: 'object' },
          },
          required: ['external_id', 'name'],
        },
      },
    },
    required: ['products'],
  },
  query_price: {
    type: 'object',
    properties: { amount, currency: { type: 'string', minLength: 1 }, billing_cycle: str },
    required: ['amount', 'currency', 'billing_cycle'],
  },
  create_instance: {
    type: 'object',
    properties: { provider_instance_id: { type: 'string', minLength: 1 }, status: str, ip_address: str },
    required: ['provider_instance_id', 'status'],
  },
  get_instance_status: {
    type: 'object',
    properties: { status: str, ip_address: str },
    required: ['status'],
  },
  sync_upstream_instances: {
    type: 'object',
    properties: {
      instances: {
        type: 'array',
        items: {
          type: 'object',
          properties: { instance_id: { type: 'string', minLength: 1 }, status: str, ip_address: str, created_at: str },
          required: ['instance_id', 'status'],
        },
      },
    },
    required: ['instances'],
  },
  get_upstream_balance: {
    type: 'object',
    properties: { balance: amount, currency: { type: 'string', minLength: 1 } },
    required: ['balance', 'currency'],
  },
  create_payment: {
    type: 'object',
    properties: { redirect_url: str, instructions: str, payment_reference: str },
    anyOf: [{ required: ['redirect_url'] }, { required: ['instructions'] }],
  },
  verify_callback: {
    type: 'object',
    properties: {
      valid: { type: 'boolean' },
      order_id: str,
      payment_reference: str,
      amount,
      status: { type: 'string', enum: ['paid', 'pending', 'failed'] },
      reply: str,
    },
    required: ['valid'],
  },
};

export function isContractFunction(name: string): name is ContractFunction {
  return Object.prototype.hasOwnProperty.call(RESULT_SCHEMAS, name);
}

export type { NotifierChannel, SendErrorCode, SendOutcome };
