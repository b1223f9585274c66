import type { Persistence } from './types.js';

/** Methods the broker fires and forgets; their failures must not become unhandled rejections. */
const WRITES = [
  'saveSession',
  'deleteSession',
  'addSubscription',
  'removeSubscription',
  'putOutgoing',
  'removeOutgoing',
  'addIncomingQos2',
  'removeIncomingQos2',
  'putRetained',
  'putWill',
  'deleteWill',
] as const satisfies ReadonlyArray<keyof Persistence>;

/**
 * Wraps a backend so that a failed write is reported through `onError` (and resolves) instead of
 * crashing the process: live state stays authoritative in memory, the store catches up or is repaired.
 * Reads are passed through; callers that await them handle their errors.
 */
export function guardWrites(
  backend: Persistence,
  onError: (error: unknown, operation: string) => void,
): Persistence {
  const guarded: Persistence = {
    saveSession: (s) => backend.saveSession(s),
    getSession: (id) => backend.getSession(id),
    deleteSession: (id) => backend.deleteSession(id),
    listSessions: () => backend.listSessions(),
    addSubscription: (id, sub) => backend.addSubscription(id, sub),
    removeSubscription: (id, f) => backend.removeSubscription(id, f),
    putOutgoing: (id, e) => backend.putOutgoing(id, e),
    removeOutgoing: (id, seq) => backend.removeOutgoing(id, seq),
    listOutgoing: (id) => backend.listOutgoing(id),
    addIncomingQos2: (id, p) => backend.addIncomingQos2(id, p),
    removeIncomingQos2: (id, p) => backend.removeIncomingQos2(id, p),
    listIncomingQos2: (id) => backend.listIncomingQos2(id),
    putRetained: (m) => backend.putRetained(m),
    matchRetained: (f) => backend.matchRetained(f),
    countRetained: () => backend.countRetained(),
    putWill: (w) => backend.putWill(w),
    deleteWill: (id) => backend.deleteWill(id),
    listWills: () => backend.listWills(),
    close: () => backend.close(),
  };
  const whenDurable = backend.whenDurable?.bind(backend);
  if (whenDurable !== undefined) {
    // A failed write was reported by its own guard; the acknowledgement then goes out as it would without
    // a store (live state in memory is authoritative).
    guarded.whenDurable = () => whenDurable()?.then(undefined, () => {});
  }
  const atomically = backend.atomically?.bind(backend);
  if (atomically !== undefined) {
    guarded.atomically = <T>(writes: () => T): T => {
      let ran = false;
      let result: T | undefined;
      try {
        return atomically(() => {
          result = writes();
          ran = true;
          return result;
        });
      } catch (error) {
        // The broker's own error propagates; a commit that failed is reported like any failed write.
        if (!ran) throw error;
        onError(error, 'atomically');
        return result as T;
      }
    };
  }
  for (const name of WRITES) {
    const write = guarded[name] as (...args: unknown[]) => Promise<void>;
    (guarded as unknown as Record<string, (...args: unknown[]) => Promise<void>>)[name] = (...args) => {
      try {
        return write(...args).catch((error: unknown) => onError(error, name));
      } catch (error) {
        onError(error, name);
        return Promise.resolve();
      }
    };
  }
  return guarded;
}
