/** Broker child processes print one JSON line so the parent learns the port they got. */
export interface Announcement {
  readonly port: number;
  readonly pid: number;
}

export function announce(port: number): void {
  const line: Announcement = { port, pid: process.pid };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** Close on SIGTERM/SIGINT, then exit (so --cpu-prof can write its profile). */
export function exitOnSignal(close: () => Promise<void>): void {
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    setTimeout(() => process.exit(0), 3000).unref();
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
