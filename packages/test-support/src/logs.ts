/**
 * The JSON lines a function logs while `fn` runs, parsed. Powertools' Logger writes ERROR and
 * WARN to stderr and the rest to stdout; both are read, and still printed.
 */
export async function captureLogs(fn: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const streams = [process.stdout, process.stderr];
  const writes = streams.map((s) => s.write.bind(s));
  streams.forEach((s, i) => {
    s.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      lines.push(String(chunk));
      return (writes[i] as typeof s.write)(chunk, ...rest);
    }) as typeof s.write;
  });
  try {
    await fn();
  } finally {
    streams.forEach((s, i) => {
      s.write = writes[i] as typeof s.write;
    });
  }
  return lines
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
