import { main } from './main.js';

main(process.argv.slice(2), process.env).catch((error: unknown) => {
  process.stderr.write(
    `mq-broker: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
