/** Injection tokens for values built before Nest starts (see bootstrap.ts). */
export const APP_CONFIG = Symbol('APP_CONFIG');
export const LOGGER = Symbol('LOGGER');
