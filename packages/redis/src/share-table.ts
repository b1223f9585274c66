import { SubscriptionIndex } from '@mq/topic-trie';

/** Deeper than any topic a broker accepts; the buffer is allocated once. */
const MAX_LEVELS = 4096;

/**
 * Which nodes of the cluster have members of which `$share` groups, as every node announced them.
 * The publishing node picks, per matching group, one node round robin among those with members; that
 * node then picks one of its own members (the broker's round robin). A node that has none by the time
 * the message arrives passes the group on to another node that has members (`next`).
 *
 * Groups are balanced per node, not per member: two members on one node and one on another each get a
 * quarter and a half of the messages.
 *
 * A node marked down (its heartbeats stopped) keeps its entries but is never picked, until it is heard
 * again or its entries are removed.
 */
export class ShareTable {
  /** Nodes not picked for any group. */
  readonly #down = new Set<string>();
  /** Subscriber key = node id, filter = the group's full `$share/...` filter. */
  readonly #index = new SubscriptionIndex<true>({
    limits: { maxLevels: MAX_LEVELS },
    isAvailable: (node) => !this.#down.has(node),
  });
  /** Nodes per group, in join order, and a cursor for passing groups on. */
  readonly #nodes = new Map<string, { nodes: string[]; cursor: number }>();
  #assigned: Array<readonly [string, string]> = [];

  /** Records that `node` has (or no longer has) members of `group`. */
  set(node: string, group: string, present: boolean): void {
    const entry = this.#nodes.get(group);
    if (present) {
      if (!this.#index.add(node, group, true)) return;
      if (entry === undefined) this.#nodes.set(group, { nodes: [node], cursor: 0 });
      else entry.nodes.push(node);
      return;
    }
    if (!this.#index.remove(node, group) || entry === undefined) return;
    entry.nodes = entry.nodes.filter((n) => n !== node);
    if (entry.nodes.length === 0) this.#nodes.delete(group);
  }

  /** Forgets every group of a node (it restarted, closed or was found dead). */
  reset(node: string): void {
    for (const sub of this.#index.subscriptionsOf(node)) this.set(node, sub.filter, false);
    this.#down.delete(node);
  }

  has(node: string, group: string): boolean {
    return this.#index.has(node, group);
  }

  /** The groups `node` has members of. */
  groupsOf(node: string): string[] {
    return this.#index.subscriptionsOf(node).map((sub) => sub.filter);
  }

  /** Marks a node down (skipped when picking) or up again. */
  setDown(node: string, down: boolean): void {
    if (down) this.#down.add(node);
    else this.#down.delete(node);
  }

  isDown(node: string): boolean {
    return this.#down.has(node);
  }

  /** For one message: the node that serves each matching group, or undefined when no group matches. */
  assign(topic: string): ReadonlyArray<readonly [string, string]> | undefined {
    if (this.#nodes.size === 0) return undefined;
    this.#assigned = [];
    this.#index.match(topic, this.#visit);
    return this.#assigned.length === 0 ? undefined : this.#assigned;
  }

  readonly #visit = (sub: { subscriberKey: string; filter: string }): void => {
    this.#assigned.push([sub.filter, sub.subscriberKey]);
  };

  /** Whether a node up, other than `tried` and `self`, has members of `group` (without moving the cursor). */
  hasOther(group: string, tried: readonly string[], self: string): boolean {
    const nodes = this.#nodes.get(group)?.nodes;
    return nodes?.some((n) => n !== self && !tried.includes(n) && !this.#down.has(n)) === true;
  }

  /** Another node up with members of `group`, none of `tried`; undefined when there is none. */
  next(group: string, tried: readonly string[]): string | undefined {
    const entry = this.#nodes.get(group);
    if (entry === undefined) return undefined;
    const { nodes } = entry;
    for (let k = 0; k < nodes.length; k++) {
      const at = (entry.cursor + k) % nodes.length;
      const node = nodes[at]!;
      if (!tried.includes(node) && !this.#down.has(node)) {
        entry.cursor = at + 1;
        return node;
      }
    }
    return undefined;
  }
}
