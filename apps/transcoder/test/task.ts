import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { GenericContainer } from 'testcontainers';

const exec = promisify(execFile);

export interface TaskRun {
  exitCode: number;
  logs: string;
  /** The program's JSON log lines. */
  lines: Record<string, unknown>[];
}

/**
 * Runs the image once, the way ECS runs a task: environment only, no command, the container's
 * exit code as the result. `whileRunning` may act on the live container (e.g. send SIGTERM).
 */
export async function runTask(
  image: string,
  env: Record<string, string>,
  whileRunning?: (id: string, logs: () => Promise<string>) => Promise<void>,
): Promise<TaskRun> {
  const container = await new GenericContainer(image).withEnvironment(env).start();
  const id = container.getId();
  const logs = async () => {
    const { stdout, stderr } = await exec('docker', ['logs', id], { maxBuffer: 64 * 1024 * 1024 });
    return stdout + stderr;
  };
  try {
    if (whileRunning) await whileRunning(id, logs);
    const { stdout } = await exec('docker', ['wait', id]);
    const text = await logs();
    return { exitCode: Number(stdout.trim()), logs: text, lines: parseLines(text) };
  } finally {
    await container.stop({ timeout: 1 }).catch(() => undefined);
  }
}

export function parseLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return {};
      }
    });
}

export async function sendSignal(id: string, signal: string): Promise<void> {
  await exec('docker', ['kill', `--signal=${signal}`, id]);
}
