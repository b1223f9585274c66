import { readFileSync } from 'node:fs';
import { patternCoversFilter, patternMatchesTopic, patternOverlapsFilter } from './filter-relations.js';

/*
 * Per-topic access control in Mosquitto's spirit. Text form:
 *
 *   topic read public/#          # lines before any "user" line apply to anonymous clients
 *   user alice
 *   topic readwrite alice/#
 *   pattern readwrite clients/%c/#   # every client; %u = username, %c = client id
 *
 * Access is read | write | readwrite | deny (omitted = readwrite). A deny rule wins over any grant;
 * anything not granted is denied.
 */

export const ACL_ACCESS = ['read', 'write', 'readwrite', 'deny'] as const;
export type AclAccess = (typeof ACL_ACCESS)[number];

export interface AclRule {
  access: AclAccess;
  topic: string;
}

export interface AclConfig {
  /** Rules for clients without a username. */
  anonymous?: AclRule[];
  /** Rules per username. */
  users?: Record<string, AclRule[]>;
  /** Rules for every client, with %u and %c substituted. */
  patterns?: AclRule[];
}

export interface AclSubject {
  clientId: string;
  username?: string | undefined;
}

/** Result of checking a subscription filter: refused, granted, or granted with a check per message. */
export type SubscribeDecision = 'deny' | 'allow' | 'check-delivery';

const isAccess = (word: string | undefined): word is AclAccess => ACL_ACCESS.includes(word as AclAccess);

/** Parses the text form; a malformed line is a TypeError naming its line number. */
export function parseAcl(text: string): AclConfig {
  const config: Required<AclConfig> = { anonymous: [], users: {}, patterns: [] };
  let current = config.anonymous;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const [keyword, ...rest] = line.split(/\s+/);
    const fail = (what: string) => new TypeError(`ACL line ${index + 1}: ${what}`);
    if (keyword === 'user') {
      const name = rest.join(' ');
      if (name === '') throw fail('"user" needs a name');
      config.users[name] ??= [];
      current = config.users[name];
      return;
    }
    if (keyword !== 'topic' && keyword !== 'pattern') throw fail(`unknown keyword "${keyword}"`);
    const first = rest[0];
    const access: AclAccess = isAccess(first) ? first : 'readwrite';
    if (isAccess(first)) rest.shift();
    const topic = rest.join(' ');
    if (topic === '') throw fail(`"${keyword}" needs a topic`);
    (keyword === 'pattern' ? config.patterns : current).push({ access, topic });
  });
  return config;
}

export function loadAclFile(path: string): AclConfig {
  return parseAcl(readFileSync(path, 'utf8'));
}

/** A pattern's %u / %c filled in; undefined when it cannot apply (no username, or a value with wildcards). */
function substitute(topic: string, subject: AclSubject): string | undefined {
  const { username, clientId } = subject;
  const needsUser = topic.includes('%u');
  const needsClient = topic.includes('%c');
  if (needsUser && !isSubstitutable(username)) return undefined;
  if (needsClient && !isSubstitutable(clientId)) return undefined;
  // One pass: a user name containing "%c" stays literal instead of being filled in again.
  return needsUser || needsClient
    ? topic.replace(/%[uc]/g, (token) => (token === '%u' ? username! : clientId))
    : topic;
}

/** A value that can stand for one topic level: present, not empty, without wildcards or separators. */
function isSubstitutable(value: string | undefined): value is string {
  return value !== undefined && value !== '' && !/[+#/]/.test(value);
}

const grants = (rule: AclRule, want: 'read' | 'write') => rule.access === want || rule.access === 'readwrite';

export class Acl {
  readonly #config: AclConfig;

  constructor(config: AclConfig) {
    for (const rule of [
      ...(config.anonymous ?? []),
      ...(config.patterns ?? []),
      ...Object.values(config.users ?? {}).flat(),
    ]) {
      if (!isAccess(rule.access)) throw new TypeError(`ACL access must be one of ${ACL_ACCESS.join(', ')}`);
    }
    this.#config = config;
  }

  /** The rules that apply to this client, patterns substituted. */
  rulesFor(subject: AclSubject): AclRule[] {
    const own =
      subject.username === undefined
        ? (this.#config.anonymous ?? [])
        : (this.#config.users?.[subject.username] ?? []);
    const rules = [...own];
    for (const rule of this.#config.patterns ?? []) {
      const topic = substitute(rule.topic, subject);
      if (topic !== undefined) rules.push({ access: rule.access, topic });
    }
    return rules;
  }

  canPublish(subject: AclSubject, topic: string): boolean {
    return this.#allowsTopic(this.rulesFor(subject), topic, 'write');
  }

  canRead(subject: AclSubject, topic: string): boolean {
    return this.#allowsTopic(this.rulesFor(subject), topic, 'read');
  }

  /**
   * A filter inside a read permission that no deny rule touches is granted outright; one that only
   * overlaps a permission (a wider wildcard) or touches a deny rule is granted with a check per message;
   * one that no read rule overlaps, or that a deny rule covers entirely, is refused.
   */
  checkSubscribe(subject: AclSubject, filter: string): SubscribeDecision {
    const rules = this.rulesFor(subject);
    const denies = rules.filter((r) => r.access === 'deny');
    const reads = rules.filter((r) => grants(r, 'read'));
    if (denies.some((r) => patternCoversFilter(r.topic, filter))) return 'deny';
    const touchesDeny = denies.some((r) => patternOverlapsFilter(r.topic, filter));
    if (!touchesDeny && reads.some((r) => patternCoversFilter(r.topic, filter))) return 'allow';
    return reads.some((r) => patternOverlapsFilter(r.topic, filter)) ? 'check-delivery' : 'deny';
  }

  #allowsTopic(rules: AclRule[], topic: string, want: 'read' | 'write'): boolean {
    if (rules.some((r) => r.access === 'deny' && patternMatchesTopic(r.topic, topic))) return false;
    return rules.some((r) => grants(r, want) && patternMatchesTopic(r.topic, topic));
  }
}
