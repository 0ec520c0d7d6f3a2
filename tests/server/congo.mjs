// The test server: CongoDB (wire-compatible, in memory) on 127.0.0.1:PORT.
// Usage: node congo.mjs PORT. Prints "listening PORT" once it accepts connections; stops
// cleanly on SIGTERM or SIGINT. Installed by install.sh, started and stopped by start.sh and
// stop.sh around the ctest run (the `mongo` fixture).
import { CongoServer } from '@push.rocks/smartmongo/dist_ts/congodb/index.js';

const port = parseInt(process.argv[2] || '', 10);
if (!(port > 0 && port < 65536)) {
  console.error('usage: node congo.mjs PORT');
  process.exit(2);
}
const server = new CongoServer({ host: '127.0.0.1', port, storage: 'memory' });
try {
  await server.start();
} catch (e) {
  console.error(`congo: cannot listen on 127.0.0.1:${port}: ${e.message}`);
  process.exit(1);
}
console.log(`listening ${port}`);
const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
