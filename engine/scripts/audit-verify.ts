import pg from 'pg';
import { loadConfig } from '../src/config.ts';
import { embeddedDatabaseUrl } from '../src/launcher/embedded-postgres.ts';
import { verifyAuditChain } from '../src/services/audit.ts';

/**
 * `npm run audit:verify`: checks the audit log's hash chain in DATABASE_URL's database, or in the
 * embedded one `npm start` runs. Exit 0: intact; 1: the first broken entry is printed; 2: no database.
 */
const config = loadConfig();
const url = config.databaseUrl ?? embeddedDatabaseUrl(config.embeddedPostgresPort);
const pool = new pg.Pool({ connectionString: url, max: 1 });
pool.on('error', () => {});
let code = 0;
try {
  const verdict = await verifyAuditChain(pool);
  if (verdict.ok) {
    console.log(`audit chain intact: ${verdict.entries} entries, head ${verdict.headHash}`);
    console.log(
      'Keep the head hash somewhere else (a ticket, a log): ' +
        'a later verify that ends in a different hash for the same entry count means the whole chain was rewritten.',
    );
  } else {
    const b = verdict.broken;
    console.error(`audit chain BROKEN after ${verdict.entries} intact entries`);
    console.error(`first broken entry: seq ${b.seq}${b.id ? `, id ${b.id}, at ${b.at}, ${b.action} on ${b.entity}` : ''}`);
    console.error(`reason: ${b.reason}`);
    code = 1;
  }
} catch (err) {
  const e = err as Error & { code?: string };
  console.error(`Could not read the audit log at ${url.replace(/\/\/[^@/]*@/, '//…@')}: ${e.code ?? ''} ${e.message}`);
  console.error('Start Flightdeck first (npm start runs the embedded PostgreSQL), or set DATABASE_URL to your database.');
  code = 2;
} finally {
  await pool.end();
}
process.exit(code);
