import type { GrpcOperation } from './auth-matrix.js';

/** A valid event, so an allowed call is accepted (no event_id: each call gets a new one). */
const USER_CREATED = {
  event_type: 'user.created',
  source: 'auth-matrix',
  data_json: JSON.stringify({ user_id: 'u-matrix', email: 'matrix@example.com', full_name: 'Matrix' }),
};

/** Every RPC of Switchboard's own services (proto/switchboard/), with the access it is given. */
export const SWITCHBOARD_RPCS: GrpcOperation[] = [
  { service: 'EventService', method: 'PublishEvent', access: { permission: 'events.publish' }, request: USER_CREATED },
  { service: 'EventService', method: 'PublishEvents', access: { permission: 'events.publish' }, request: { events: [USER_CREATED] } },
];
