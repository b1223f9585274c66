export * from './constants.js';
export * from './errors.js';
export type * from './packets.js';
