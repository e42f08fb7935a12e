import { ensureStack } from '../../stack/ensure-stack.ts';

/** Integration tests run against the real local stack: reuse a running one or start it. */
export default async function globalSetup(): Promise<void> {
  await ensureStack();
}
