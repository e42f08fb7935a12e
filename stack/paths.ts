import { join, resolve } from 'node:path';

/** The repository root and the git-ignored folder where the local stack keeps data, logs and pids. */
export const repoRoot = resolve(import.meta.dirname, '..');
export const stackDir = process.env.STACK_DIR ?? join(repoRoot, '.stack');

export const kafkaDir = join(stackDir, 'kafka');
export const postgresDir = join(stackDir, 'postgres');
