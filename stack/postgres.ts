import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { POSTGRES_PORT } from './config.ts';
import { postgresDir } from './paths.ts';
import { portOpen, run, say, waitFor } from './process-tools.ts';

const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const dataDir = join(postgresDir, 'data');
const socketDir = join(postgresDir, 'socket');
const logFile = join(postgresDir, 'postgres.log');

/** PostgreSQL refuses to run as root: as root we run its tools as the `postgres` user. */
function asPostgres(command: string, args: string[]): string {
  const isRoot = process.getuid?.() === 0;
  return isRoot ? run('runuser', ['-u', 'postgres', '--', command, ...args]) : run(command, args);
}

function psql(sql: string): string {
  return asPostgres(join(BIN, 'psql'), [
    '-h',
    socketDir,
    '-p',
    String(POSTGRES_PORT),
    '-U',
    'postgres',
    '-d',
    'postgres',
    '-tAc',
    sql,
  ]);
}

export async function postgresReady(): Promise<boolean> {
  return portOpen(POSTGRES_PORT);
}

/** Makes every parent of the data folder traversable, so the postgres user can reach it under /root or /work. */
function openParents(path: string): void {
  let dir = dirname(path);
  while (dir !== '/' && dir !== '.') {
    try {
      chmodSync(dir, 0o755);
    } catch {
      // Not ours to change: if postgres cannot reach the folder, initdb says so clearly.
    }
    dir = dirname(dir);
  }
}

export async function startPostgres(): Promise<void> {
  if (await postgresReady()) {
    say(`PostgreSQL already running on 127.0.0.1:${POSTGRES_PORT}`);
    return;
  }
  if (!existsSync(join(BIN, 'initdb'))) {
    throw new Error(
      `PostgreSQL 15 binaries not found in ${BIN}: run 'npm run setup' (installs postgresql-15)`,
    );
  }
  mkdirSync(socketDir, { recursive: true });
  openParents(dataDir);
  if (process.getuid?.() === 0) run('chown', ['-R', 'postgres:postgres', postgresDir]);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    say('initialising a PostgreSQL cluster');
    asPostgres(join(BIN, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
  }
  const started = Date.now();
  asPostgres(join(BIN, 'pg_ctl'), [
    '-D',
    dataDir,
    '-l',
    logFile,
    '-w',
    '-t',
    '60',
    'start',
    // fsync off: this cluster is a disposable dev/test database; power-loss durability is not what it is for.
    '-o',
    `-p ${POSTGRES_PORT} -k ${socketDir} -c listen_addresses=127.0.0.1 -c fsync=off`,
  ]);
  await waitFor(postgresReady, 30_000, 'PostgreSQL');
  if (psql("SELECT 1 FROM pg_roles WHERE rolname='pipeline'").trim() !== '1') {
    psql("CREATE ROLE pipeline LOGIN PASSWORD 'pipeline'");
  }
  if (psql("SELECT 1 FROM pg_database WHERE datname='pipeline'").trim() !== '1') {
    psql('CREATE DATABASE pipeline OWNER pipeline');
  }
  say(`PostgreSQL ready in ${Date.now() - started} ms on 127.0.0.1:${POSTGRES_PORT} (database pipeline)`);
}

export async function stopPostgres(): Promise<void> {
  if (!existsSync(join(dataDir, 'PG_VERSION')) || !(await postgresReady())) {
    say('PostgreSQL not running');
    return;
  }
  asPostgres(join(BIN, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
  say('PostgreSQL stopped');
}
