// The test server: CongoDB, a wire-compatible in-memory MongoDB, on 127.0.0.1:PORT.
// Usage: node congo.mjs PORT   (install first: npm run setup). Stop it with SIGTERM by PID.
// Tests get its URI from ASRUN_TEST_MONGO_URI (mongodb://127.0.0.1:PORT).
import { CongoServer } from '@push.rocks/smartmongo/dist_ts/congodb/index.js';
const port = parseInt(process.argv[2] || '27999', 10);
const s = new CongoServer({ host: '127.0.0.1', port, storage: 'memory' });
await s.start();
console.log(`listening ${port}`);
const stop = async () => { await s.stop(); process.exit(0); };
process.on('SIGTERM', stop); process.on('SIGINT', stop);
