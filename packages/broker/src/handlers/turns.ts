/**
 * Topic filters one SUBSCRIBE or UNSUBSCRIBE handles per turn of the event loop. A 1 MiB packet can list
 * about 150,000 filters; handled in one go they held every other client back for 150 to 400 ms.
 */
export const FILTERS_PER_TURN = 1024;

/** Resolves on the next turn of the event loop, after other clients' reads. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
