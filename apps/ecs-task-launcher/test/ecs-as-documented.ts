import {
  ConflictException,
  type ECSClient,
  ListTasksCommand,
  RunTaskCommand,
  type RunTaskCommandInput,
  type RunTaskCommandOutput,
  ServerException,
} from '@aws-sdk/client-ecs';

const HOUR = 3_600_000;

interface Task {
  taskArn: string;
  clientToken?: string;
  startedBy?: string;
  createdAt: number;
  stoppedAt?: number;
}

/**
 * An ECS client that follows what the ECS API reference documents and the emulator does not
 * (ministack ignores `clientToken` and keeps stopped tasks listed): used where a test is about
 * those rules, against a real DynamoDB table in the emulator.
 *
 * - RunTask idempotency (Ensuring idempotency, "Idempotency for RunTask",
 *   https://docs.aws.amazon.com/AmazonECS/latest/APIReference/ECS_Idempotency.html): a retry
 *   with the same client token and parameters returns the original result, for the lower of
 *   24 hours and the task's lifetime (created -> STOPPED) plus one hour; the same token with
 *   other parameters fails with ConflictException naming the tasks; after the TTL the token
 *   starts a new task.
 * - ListTasks (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ListTasks.html):
 *   stopped tasks appear "for at least one hour"; here exactly one, the least a caller can
 *   count on.
 *
 * `answer` scripts what RunTask does for a new request: start a task (default), answer 200
 * with `failures`, or throw (after starting the task, as "timeouts or server issues occurring
 * after the resources are mutated" in the same page).
 */
export class EcsAsDocumented {
  readonly tasks: Task[] = [];
  readonly runTaskInputs: RunTaskCommandInput[] = [];
  private readonly results = new Map<string, { input: string; output: RunTaskCommandOutput; at: number }>();
  private seq = 0;

  readonly now: () => number;
  /** How long a RunTask call takes, so that concurrent calls overlap. */
  readonly latencyMs: number;
  answer: (input: RunTaskCommandInput) => 'start' | 'capacity' | 'server-error-after-start' = () => 'start';

  constructor(now: () => number, latencyMs = 50) {
    this.now = now;
    this.latencyMs = latencyMs;
  }

  stop(taskArn: string): void {
    const task = this.tasks.find((t) => t.taskArn === taskArn);
    if (!task) throw new Error(`no task ${taskArn}`);
    task.stoppedAt = this.now();
  }

  private tokenAlive(token: string, at: number): boolean {
    const result = this.results.get(token);
    if (!result) return false;
    const tasks = this.tasks.filter((t) => t.clientToken === token);
    const stopped = tasks.length > 0 && tasks.every((t) => t.stoppedAt !== undefined);
    const lifetimeEnd = stopped ? Math.max(...tasks.map((t) => t.stoppedAt as number)) : Number.POSITIVE_INFINITY;
    return at < Math.min(result.at + 24 * HOUR, lifetimeEnd + HOUR);
  }

  private runTask(input: RunTaskCommandInput): RunTaskCommandOutput {
    const at = this.now();
    const token = input.clientToken;
    const canonical = JSON.stringify({ ...input, clientToken: undefined });
    if (token && this.tokenAlive(token, at)) {
      const earlier = this.results.get(token);
      if (earlier && earlier.input !== canonical) {
        throw new ConflictException({
          message: 'The clientToken is already in use with a different RunTask request',
          $metadata: { httpStatusCode: 400 },
          resourceIds: (earlier.output.tasks ?? []).map((t) => t.taskArn as string),
        });
      }
      if (earlier) return earlier.output;
    }
    const answer = this.answer(input);
    if (answer === 'capacity') {
      const output = {
        $metadata: { httpStatusCode: 200 },
        tasks: [],
        failures: [{ arn: 'arn:aws:ecs:eu-west-1:123456789012:cluster/media', reason: 'Capacity is unavailable' }],
      };
      if (token) this.results.set(token, { input: canonical, output, at });
      return output;
    }
    const taskArn = `arn:aws:ecs:eu-west-1:123456789012:task/media/${(++this.seq).toString(16).padStart(32, '0')}`;
    this.tasks.push({ taskArn, clientToken: token, startedBy: input.startedBy, createdAt: at });
    const output = {
      $metadata: { httpStatusCode: 200 },
      tasks: [{ taskArn, lastStatus: 'PROVISIONING' }],
      failures: [],
    };
    if (token) this.results.set(token, { input: canonical, output, at });
    if (answer === 'server-error-after-start') {
      throw new ServerException({ message: 'Service unavailable', $metadata: { httpStatusCode: 500 } });
    }
    return output;
  }

  private listTasks(input: ListTasksCommand['input']): { taskArns: string[] } {
    // The reference says startedBy "must be the only filter"; what ECS does otherwise is not
    // documented, so this honours desiredStatus too: the most a caller could hope for.
    const at = this.now();
    const wanted = input.desiredStatus ?? 'RUNNING';
    const taskArns = this.tasks
      .filter((t) => !input.startedBy || t.startedBy === input.startedBy)
      .filter((t) =>
        wanted === 'STOPPED' ? t.stoppedAt !== undefined && at < t.stoppedAt + HOUR : t.stoppedAt === undefined,
      )
      .map((t) => t.taskArn);
    return { taskArns };
  }

  client(): ECSClient {
    return {
      send: async (cmd: unknown) => {
        await new Promise((r) => setTimeout(r, this.latencyMs));
        if (cmd instanceof RunTaskCommand) {
          this.runTaskInputs.push(cmd.input);
          return this.runTask(cmd.input);
        }
        if (cmd instanceof ListTasksCommand) return this.listTasks(cmd.input);
        throw new Error(`EcsAsDocumented: unexpected ${(cmd as object).constructor.name}`);
      },
    } as unknown as ECSClient;
  }
}
