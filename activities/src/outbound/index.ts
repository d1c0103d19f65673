export { refusedCategory, parseAddress, embeddedIPv4, type RefusedCategory, type Address } from './address.ts';
export { parseAllowlist, AllowlistError, type AllowEntry } from './allowlist.ts';
export {
  ALLOW_ENV,
  createOutboundGuard,
  guardFromEnv,
  isOutboundRefused,
  OutboundRefused,
  type OutboundGuard,
  type OutboundGuardOptions,
  type Resolver,
} from './guard.ts';
export { outboundRequest, type OutboundAnswer, type OutboundRequest } from './request.ts';
export { guardedConnect } from './socket.ts';
