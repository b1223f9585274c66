import { ReasonCode } from '@mq/codec';
import type { AuthenticateContext, AuthHooks, AuthVerdict } from '../auth.js';
import { Acl, type AclConfig, loadAclFile } from './acl.js';
import { hashCost, hashPassword, loadPasswordFile, verifyPassword } from './password-file.js';

export interface SecurityOptions {
  /** Clients with neither a username nor a valid client certificate may connect. Default true. */
  allowAnonymous?: boolean;
  /** Users and their hashes (from hashPassword()), or the path of a `user:hash` password file. */
  passwords?: Map<string, string> | Record<string, string> | string;
  /** ACL rules, or the path of an ACL file. Without it every authenticated client may do everything. */
  acl?: AclConfig | string;
}

const verdictDeny = (reasonCode: number, reasonString: string): AuthVerdict => ({
  ok: false,
  reasonCode,
  reasonString,
});

const ALLOWED: AuthVerdict = { ok: true };

async function checkPassword(
  hash: string | undefined,
  password: Uint8Array | undefined,
  dummyHash: () => Promise<string>,
): Promise<AuthVerdict> {
  const ok = await verifyPassword(password ?? new Uint8Array(0), hash ?? (await dummyHash()));
  return ok && hash !== undefined
    ? ALLOWED
    : verdictDeny(ReasonCode.BadUserNameOrPassword, 'bad user name or password');
}

/**
 * Unknown users are checked against a hash of the cost most users' hashes have, so they cost the same
 * scrypt run and timing does not reveal which names exist (a default-cost dummy took ten times longer
 * than a file hashed at cost 1024).
 */
function dummyHashFor(passwords: ReadonlyMap<string, string>): () => Promise<string> {
  let dummy: Promise<string> | undefined;
  return () => {
    if (dummy === undefined) {
      const counts = new Map<number, number>();
      for (const hash of passwords.values()) {
        const cost = hashCost(hash);
        if (cost !== undefined) counts.set(cost, (counts.get(cost) ?? 0) + 1);
      }
      let cost: number | undefined;
      for (const [candidate, count] of counts)
        if (cost === undefined || count > counts.get(cost)!) cost = candidate;
      dummy = hashPassword('not a password', cost === undefined ? {} : { cost });
    }
    return dummy;
  };
}

/**
 * Built-in authentication and authorization as AuthHooks:
 * - a client certificate validated by the listener authenticates (its CN is the identity);
 * - a username must be in the password file with a matching password (0x86, 3.1.1 return code 4);
 * - no credentials at all is anonymous: refused with 0x87 (3.1.1 return code 5) unless allowAnonymous;
 * - with an ACL, publishes and subscriptions are checked per topic.
 */
export function createSecurity(options: SecurityOptions = {}): AuthHooks {
  const allowAnonymous = options.allowAnonymous ?? true;
  const passwords =
    typeof options.passwords === 'string'
      ? loadPasswordFile(options.passwords)
      : options.passwords instanceof Map
        ? options.passwords
        : new Map(Object.entries(options.passwords ?? {}));
  const dummyHash = dummyHashFor(passwords);
  const acl =
    options.acl === undefined
      ? undefined
      : new Acl(typeof options.acl === 'string' ? loadAclFile(options.acl) : options.acl);

  const hooks: AuthHooks = {
    // Synchronous unless a password must be checked: anonymous and certificate logins keep CONNECT synchronous.
    authenticate(ctx: AuthenticateContext): AuthVerdict | Promise<AuthVerdict> {
      const cert = ctx.certificate;
      if (cert?.authorized && (cert.useIdentityAsUsername || ctx.username === undefined)) return ALLOWED;
      if (ctx.username === undefined) {
        return allowAnonymous
          ? ALLOWED
          : verdictDeny(ReasonCode.NotAuthorized, 'anonymous access is not allowed');
      }
      return checkPassword(passwords.get(ctx.username), ctx.password, dummyHash);
    },
  };
  if (acl) {
    hooks.authorizePublish = (ctx) => acl.canPublish(ctx, ctx.topic);
    hooks.authorizeSubscribe = (ctx) => {
      const filter = ctx.subscription.topicFilter;
      // A shared subscription is judged by its filter without the $share/<group>/ prefix.
      const inner = filter.startsWith('$share/') ? filter.split('/').slice(2).join('/') : filter;
      const decision = acl.checkSubscribe(ctx, inner);
      if (decision === 'deny') return false;
      return decision === 'allow' ? true : { ok: true, checkDelivery: true };
    };
    hooks.authorizeDelivery = (ctx) => acl.canRead(ctx, ctx.topic);
  }
  return hooks;
}
