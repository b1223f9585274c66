// Plain JavaScript, like the other broker scripts: the brokers run under bare node, as their users run
// them (under tsx's loader @mq/broker accepted connections about a fifth slower).

/** Broker child processes print one JSON line ({ port, pid }) so the parent learns the port they got. */
export function announce(port) {
  const line = { port, pid: process.pid };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** Close on SIGTERM/SIGINT, then exit (so --cpu-prof can write its profile). */
/** @param {() => Promise<void>} close */
export function exitOnSignal(close) {
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
