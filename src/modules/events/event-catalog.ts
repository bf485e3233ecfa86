/**
 * The event catalog: every event type Switchboard accepts, per version, with its payload schema,
 * who it is addressed to and the message it gets when no template fits. The only place that knows
 * payload shapes: the bus validates against it before anything is written, the relay
 * again before planning (a row written by an older or newer replica), and the planner reads
 * recipients and default messages from it.
 *
 * Payloads are open: fields beyond the schema are kept and passed on to notifiers and templates.
 * Adding a version: add an entry under the type with its own schema; old versions stay accepted
 * until removed on purpose.
 */

import type { EventPriority } from './events.types.js';

/** Who an event is for, as the planner addresses them: a role (for logs and templates) and how to reach them. */
export interface EventRecipient {
  role: 'customer' | 'admin' | 'new_assignee' | 'old_assignee' | 'ticket_creator' | 'user';
  email?: string;
  phone?: string;
  userId?: string;
}

export interface EventMessage {
  title: string;
  body: string;
}

export interface RecipientContext {
  /** ADMIN_NOTIFY_EMAIL, when set. */
  adminNotifyEmail: string | null;
}

export interface CatalogVersion<T> {
  /** JSON Schema (draft 2020-12 subset ajv runs) of `data`. */
  schema: object;
  recipients(data: T, context: RecipientContext): EventRecipient[];
  /** Title and body when no template exists for the event, channel and language. */
  defaultMessage(data: T): EventMessage;
}

export interface OrderPaid {
  order_id: string;
  customer_email: string;
  amount: string;
  currency: string;
  customer_name?: string;
  language?: string;
}
export interface OrderProvisioned {
  order_id: string;
  customer_email: string;
  customer_name?: string;
  instance_id?: string;
  ip_address?: string;
  language?: string;
}
export interface OrderCancelled {
  order_id: string;
  customer_email: string;
  customer_name?: string;
  reason?: string;
  refund_amount?: string;
  currency?: string;
  language?: string;
}
export interface TicketAssigned {
  ticket_id: string;
  subject: string;
  new_assignee_email: string;
  old_assignee_email?: string;
  language?: string;
}
export interface TicketReplied {
  ticket_id: string;
  subject: string;
  creator_email: string;
  /** The creator's user id, when known: their notification settings are keyed by it. */
  creator_user_id?: string;
  reply_excerpt?: string;
  language?: string;
}
export interface UserCreated {
  user_id: string;
  email: string;
  full_name: string;
  language?: string;
}
export interface PasswordResetRequested {
  code: string;
  email?: string;
  phone?: string;
  user_id?: string;
  language?: string;
}
export interface ReportGenerated {
  report_id: string;
  email: string;
  download_url: string;
  language?: string;
}
export interface PluginHealthChanged {
  interface_id: string;
  plugin_type: string;
  plugin_id: string;
  is_healthy: boolean;
  error?: string | null;
}

/** Payload types by event type and version: what `data` is once the catalog has validated it. */
export interface EventPayloads {
  order_paid: { '1': OrderPaid };
  order_provisioned: { '1': OrderProvisioned };
  order_cancelled: { '1': OrderCancelled };
  ticket_assigned: { '1': TicketAssigned };
  ticket_replied: { '1': TicketReplied };
  'user.created': { '1': UserCreated };
  'password.reset_requested': { '1': PasswordResetRequested };
  'report.generated': { '1': ReportGenerated };
  'plugin.health_changed': { '1': PluginHealthChanged };
}
export type EventType = keyof EventPayloads;

type Catalog = { [T in EventType]: { [V in keyof EventPayloads[T]]: CatalogVersion<EventPayloads[T][V]> } };

// --- schema building blocks -------------------------------------------------------------------

const id = { type: 'string', minLength: 1, maxLength: 200 } as const;
const text = (maxLength: number) => ({ type: 'string', maxLength }) as const;
const email = { type: 'string', format: 'email', maxLength: 320 } as const;
/** Money as a decimal string ("19.90"), never a float. */
const decimal = { type: 'string', pattern: '^-?[0-9]{1,18}(\\.[0-9]{1,8})?$', maxLength: 28 } as const;
const currency = { type: 'string', pattern: '^[A-Za-z]{3,10}$' } as const;
/** BCP 47-ish: "en", "vi", "zh-CN". */
const language = { type: 'string', pattern: '^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$' } as const;
const phone = { type: 'string', pattern: '^\\+?[0-9 ()./-]{4,32}$' } as const;

function object(required: string[], properties: Record<string, object>): object {
  return { type: 'object', required, properties, additionalProperties: true };
}

const named = (name: string | undefined): string => (name ? ` ${name}` : '');

export const EVENT_CATALOG: Catalog = {
  order_paid: {
    '1': {
      schema: object(['order_id', 'customer_email', 'amount', 'currency'], {
        order_id: id,
        customer_email: email,
        amount: decimal,
        currency,
        customer_name: text(200),
        language,
      }),
      recipients: (d, { adminNotifyEmail }) => [
        { role: 'customer', email: d.customer_email },
        ...(adminNotifyEmail ? [{ role: 'admin' as const, email: adminNotifyEmail }] : []),
      ],
      defaultMessage: (d) => ({
        title: `Payment received for order ${d.order_id}`,
        body: `Hello${named(d.customer_name)}, we received your payment of ${d.amount} ${d.currency} for order ${d.order_id}. Thank you!`,
      }),
    },
  },
  order_provisioned: {
    '1': {
      schema: object(['order_id', 'customer_email'], {
        order_id: id,
        customer_email: email,
        customer_name: text(200),
        instance_id: text(200),
        ip_address: text(64),
        language,
      }),
      recipients: (d) => [{ role: 'customer', email: d.customer_email }],
      defaultMessage: (d) => ({
        title: `Order ${d.order_id} is ready`,
        body:
          `Hello${named(d.customer_name)}, your order ${d.order_id} has been provisioned.` +
          (d.instance_id ? ` Instance: ${d.instance_id}.` : '') +
          (d.ip_address ? ` IP address: ${d.ip_address}.` : ''),
      }),
    },
  },
  order_cancelled: {
    '1': {
      schema: object(['order_id', 'customer_email'], {
        order_id: id,
        customer_email: email,
        customer_name: text(200),
        reason: text(2000),
        refund_amount: decimal,
        currency,
        language,
      }),
      recipients: (d) => [{ role: 'customer', email: d.customer_email }],
      defaultMessage: (d) => ({
        title: `Order ${d.order_id} was cancelled`,
        body:
          `Hello${named(d.customer_name)}, your order ${d.order_id} was cancelled.` +
          (d.reason ? ` Reason: ${d.reason}.` : '') +
          (d.refund_amount ? ` Refund: ${d.refund_amount}${d.currency ? ` ${d.currency}` : ''}.` : ''),
      }),
    },
  },
  ticket_assigned: {
    '1': {
      schema: object(['ticket_id', 'subject', 'new_assignee_email'], {
        ticket_id: id,
        subject: text(500),
        new_assignee_email: email,
        old_assignee_email: email,
        language,
      }),
      recipients: (d) => [
        { role: 'new_assignee', email: d.new_assignee_email },
        ...(d.old_assignee_email && d.old_assignee_email !== d.new_assignee_email ? [{ role: 'old_assignee' as const, email: d.old_assignee_email }] : []),
      ],
      defaultMessage: (d) => ({
        title: `Ticket ${d.ticket_id} assigned: ${d.subject}`,
        body: `Ticket ${d.ticket_id} ("${d.subject}") is now assigned to ${d.new_assignee_email}.`,
      }),
    },
  },
  ticket_replied: {
    '1': {
      schema: object(['ticket_id', 'subject', 'creator_email'], {
        ticket_id: id,
        subject: text(500),
        creator_email: email,
        creator_user_id: id,
        reply_excerpt: text(2000),
        language,
      }),
      recipients: (d) => [{ role: 'ticket_creator', email: d.creator_email, ...(d.creator_user_id ? { userId: d.creator_user_id } : {}) }],
      defaultMessage: (d) => ({
        title: `New reply on ticket ${d.ticket_id}: ${d.subject}`,
        body: `Your ticket ${d.ticket_id} ("${d.subject}") has a new reply.` + (d.reply_excerpt ? `\n\n${d.reply_excerpt}` : ''),
      }),
    },
  },
  'user.created': {
    '1': {
      schema: object(['user_id', 'email', 'full_name'], { user_id: id, email, full_name: text(200), language }),
      recipients: (d) => [{ role: 'user', email: d.email, userId: d.user_id }],
      defaultMessage: (d) => ({ title: 'Welcome!', body: `Hello ${d.full_name}, your account has been created.` }),
    },
  },
  'password.reset_requested': {
    '1': {
      schema: {
        ...object(['code'], { code: { type: 'string', minLength: 1, maxLength: 64 }, email, phone, user_id: id, language }),
        anyOf: [{ required: ['email'] }, { required: ['phone'] }],
      },
      recipients: (d) => [{ role: 'user', ...(d.email ? { email: d.email } : {}), ...(d.phone ? { phone: d.phone } : {}), ...(d.user_id ? { userId: d.user_id } : {}) }],
      defaultMessage: (d) => ({
        title: 'Your password reset code',
        body: `Your password reset code is ${d.code}. If you did not ask for it, ignore this message.`,
      }),
    },
  },
  'report.generated': {
    '1': {
      schema: object(['report_id', 'email', 'download_url'], { report_id: id, email, download_url: { type: 'string', format: 'uri', maxLength: 2000 }, language }),
      recipients: (d) => [{ role: 'user', email: d.email }],
      defaultMessage: (d) => ({ title: `Report ${d.report_id} is ready`, body: `Your report ${d.report_id} is ready: ${d.download_url}` }),
    },
  },
  'plugin.health_changed': {
    '1': {
      schema: object(['interface_id', 'plugin_type', 'plugin_id', 'is_healthy'], {
        interface_id: id,
        plugin_type: text(64),
        plugin_id: text(64),
        is_healthy: { type: 'boolean' },
        error: { type: ['string', 'null'], maxLength: 2000 },
      }),
      // Internal: nobody in particular. A notifier that subscribes sends it to its default recipients.
      recipients: () => [],
      defaultMessage: (d) => ({
        title: `Plugin interface ${d.plugin_type}/${d.plugin_id} is ${d.is_healthy ? 'healthy again' : 'unhealthy'}`,
        body: `Interface ${d.interface_id} (${d.plugin_type}/${d.plugin_id}) is ${d.is_healthy ? 'healthy' : `unhealthy: ${d.error ?? 'no reason given'}`}.`,
      }),
    },
  },
};

export const EVENT_TYPES = Object.keys(EVENT_CATALOG) as EventType[];

/**
 * Transactional events that must always reach these recipients: their notification
 * settings may redirect them (an own target) but never mute them, and asking to mute one is
 * `notif.event_not_mutable`. Other recipients of the same event (the admin copy of order_paid)
 * may opt out.
 */
export const MANDATORY_RECIPIENTS: { readonly [T in EventType]?: readonly EventRecipient['role'][] } = {
  'password.reset_requested': ['user'],
  order_paid: ['customer'],
};

/**
 * The priority of a type no admin has set one for (event-priorities.service.ts): high for the
 * transactional types, those with recipients who cannot opt out; normal for everything else.
 */
export function defaultPriorityOf(type: string): EventPriority {
  return isEventType(type) && MANDATORY_RECIPIENTS[type] ? 'high' : 'normal';
}

/** Whether a recipient may opt out of an event type (any recipient, when no role is given: may it be muted at all). */
export function isOptOutable(type: string, role?: EventRecipient['role']): boolean {
  const mandatory = isEventType(type) ? MANDATORY_RECIPIENTS[type] : undefined;
  if (!mandatory) return true;
  return role !== undefined && !mandatory.includes(role);
}

export function isEventType(value: string): value is EventType {
  return Object.prototype.hasOwnProperty.call(EVENT_CATALOG, value);
}

/** The catalog entry of a type and version, or null when either is unknown. */
export function catalogEntry(type: string, version: string): CatalogVersion<Record<string, unknown>> | null {
  if (!isEventType(type)) return null;
  const versions = EVENT_CATALOG[type] as unknown as Record<string, CatalogVersion<Record<string, unknown>>>;
  return Object.prototype.hasOwnProperty.call(versions, version) ? versions[version] : null;
}

export function versionsOf(type: EventType): string[] {
  return Object.keys(EVENT_CATALOG[type]);
}
