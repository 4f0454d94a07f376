/** Polls the LocalStack-compatible health endpoint until it answers 200. */
export async function waitForHealth(
  endpoint: string,
  timeoutMs: number,
  gone: () => string | undefined = () => undefined,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    const why = gone();
    if (why) throw new Error(`emulator ${why} before ${endpoint}/_localstack/health answered`);
    try {
      const res = await fetch(`${endpoint}/_localstack/health`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return (await res.json()) as Record<string, unknown>;
      last = `HTTP ${res.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${endpoint}/_localstack/health did not answer 200 within ${timeoutMs / 1000}s (last: ${last})`);
}
