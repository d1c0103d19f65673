import pg from 'pg';
import { resolve } from 'node:path';
import { loadConfig } from '../src/config.ts';
import { embeddedDatabaseUrl } from '../src/launcher/embedded-postgres.ts';
import { openDatabase, migrateDatabase } from '../src/db/client.ts';
import { RestoreRefused, backupDatabase, restoreDatabase } from '../src/db/backup.ts';

/**
 * `npm run db:backup -- <file>` and `npm run db:restore -- <file>`: the application database of DATABASE_URL,
 * or of the embedded PostgreSQL `npm start` runs (it must be running). A restore goes into a new, empty database
 * (DATABASE_URL, or FLIGHTDECK_RESTORE_DATABASE on the embedded server, created if missing), migrated first.
 */
const [command, fileArg] = process.argv.slice(2);
if ((command !== 'backup' && command !== 'restore') || !fileArg) {
  console.error('usage: db-backup.ts backup|restore <file>');
  process.exit(2);
}
const file = resolve(process.env.INIT_CWD ?? process.cwd(), fileArg);
const config = loadConfig();
let url = config.databaseUrl ?? embeddedDatabaseUrl(config.embeddedPostgresPort);
const restoreInto = process.env.FLIGHTDECK_RESTORE_DATABASE;
if (command === 'restore' && !config.databaseUrl && restoreInto) {
  const admin = new pg.Client({ connectionString: embeddedDatabaseUrl(config.embeddedPostgresPort, 'postgres') });
  await admin.connect();
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [restoreInto]);
  if (!exists.rowCount) await admin.query(`CREATE DATABASE "${restoreInto.replace(/"/g, '')}"`);
  await admin.end();
  url = embeddedDatabaseUrl(config.embeddedPostgresPort, restoreInto);
}
const where = url.replace(/\/\/[^@/]*@/, '//…@');
const handle = openDatabase(url, 2);
let code = 0;
try {
  if (command === 'backup') {
    const { tables, rows } = await backupDatabase(handle.pool, file);
    console.log(`backed up ${rows} rows from ${tables} tables of ${where} into ${file}`);
  } else {
    await migrateDatabase(handle);
    const { rows } = await restoreDatabase(handle.pool, file);
    console.log(`restored ${rows} rows from ${file} into ${where}`);
  }
} catch (err) {
  const e = err as Error & { code?: string };
  console.error(
    err instanceof RestoreRefused ? `restore refused: ${e.message}` : `${command} failed on ${where}: ${e.code ?? ''} ${e.message}`,
  );
  if (e.code === 'ECONNREFUSED') console.error('Start Flightdeck first (npm start runs the embedded PostgreSQL), or set DATABASE_URL.');
  code = 1;
} finally {
  await handle.close();
}
process.exit(code);
