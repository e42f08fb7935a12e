// Placeholder until the stack's ensureStack() lands.
export default async function globalSetup(): Promise<void> {}
