import { pino } from 'pino';

/** Channels log every failed attempt at warn; tests that provoke failures on purpose pass this instead. */
export const quietLogger = pino({ level: 'silent' });
