import { readFileSync } from 'node:fs';
import { TASK_ENV } from '@samples/transcoder/contract';
import { describe, expect, it } from 'vitest';
import { checkDefinitionLimits, definitionNumbers, limitSubstitutions } from '../infra/definition.ts';
import { ASSUMPTIONS, LIMITS, retryDelays } from '../src/limits.ts';
import { type TaskResult, walk } from './asl-walk.ts';
import { DEFINITION_FILE, substitute } from './stack.ts';

interface State {
  Type: string;
  Resource?: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: { Next: string }[];
  Catch?: { ErrorEquals: string[]; Next: string; ResultPath?: string }[];
  Retry?: {
    ErrorEquals: string[];
    IntervalSeconds: number;
    MaxAttempts: number;
    BackoffRate: number;
    MaxDelaySeconds?: number;
  }[];
  TimeoutSeconds?: number;
  Parameters?: Record<string, unknown>;
}

const text = readFileSync(DEFINITION_FILE, 'utf8');
const asl = JSON.parse(text) as {
  StartAt: string;
  States: Record<string, State>;
  QueryLanguage: string;
  TimeoutSeconds: number;
};
const states = asl.States;

describe('the state machine definition (statemachine/video-pipeline.asl.json)', () => {
  it('is ValidateVideo -> IsValidVideo -> StartECSTask (runTask.sync) -> exit code -> NotifyComplete, or VideoRejected', () => {
    expect(asl.QueryLanguage).toBe('JSONPath');
    expect(asl.StartAt).toBe('ValidateVideo');
    expect(states.ValidateVideo?.Next).toBe('IsValidVideo');
    expect(states.IsValidVideo?.Choices?.map((c) => c.Next)).toEqual(['PrepareTranscode']);
    expect(states.IsValidVideo?.Default).toBe('NotifyRejected');
    expect(states.PrepareTranscode?.Next).toBe('StartECSTask');
    expect(states.NotifyRejected?.Next).toBe('VideoRejected');
    expect(states.VideoRejected?.Type).toBe('Fail');
    expect(states.StartECSTask?.Resource).toBe('arn:aws:states:::ecs:runTask.sync');
    expect(states.StartECSTask?.Parameters?.LaunchType).toBe('FARGATE');
    expect(states.StartECSTask?.Next).toBe('HasExitCode');
    expect(states.ExitCode?.Choices?.map((c) => c.Next)).toEqual(['NotifyComplete', 'TranscodeRejected']);
    expect(states.TranscodeRejected?.Next).toBe('NotifyRejected');
    expect(states.NotifyComplete?.End).toBe(true);
    expect(states.ValidateVideo?.TimeoutSeconds).toBe(60);
  });

  it('has every transition pointing at a state, and every state reachable', () => {
    const targets = (s: State) => [
      s.Next,
      s.Default,
      ...(s.Choices ?? []).map((c) => c.Next),
      ...(s.Catch ?? []).map((c) => c.Next),
    ];
    const reachable = new Set([asl.StartAt]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const name of [...reachable]) {
        for (const t of targets(states[name] as State).filter((x): x is string => Boolean(x))) {
          expect(Object.keys(states), `${name} -> ${t}`).toContain(t);
          if (!reachable.has(t)) {
            reachable.add(t);
            grew = true;
          }
        }
      }
    }
    expect([...reachable].sort()).toEqual(Object.keys(states).sort());
  });

  it('retries transient errors with backoff, times out and catches every failure in every task', () => {
    for (const [name, s] of Object.entries(states).filter(([, s]) => s.Type === 'Task')) {
      expect(s.TimeoutSeconds, name).toBeGreaterThan(0);
      expect(s.Retry?.length, name).toBeGreaterThan(0);
      for (const r of s.Retry ?? []) {
        expect(r.BackoffRate, name).toBeGreaterThan(1);
        expect(r.MaxAttempts, name).toBeGreaterThan(0);
        // Never retry everything: a rejected or failed video must not run again and again.
        expect(r.ErrorEquals, name).not.toContain('States.ALL');
        expect(r.ErrorEquals, name).not.toContain('States.TaskFailed');
      }
      // The last catcher takes everything: no failure ends an execution unannounced.
      expect(s.Catch?.at(-1)?.ErrorEquals, name).toEqual(['States.ALL']);
    }
    // Work states route failures to the failure notice; the notices themselves end in a Fail state.
    for (const name of ['ValidateVideo', 'StartECSTask', 'NotifyComplete']) {
      expect(states[name]?.Catch?.at(-1)?.Next).toBe('NotifyFailure');
    }
    // A stopped task's failure goes to the exit code first: it may be worth a retry.
    expect(states.StartECSTask?.Catch?.map((c) => [c.ErrorEquals, c.Next])).toEqual([
      [['States.TaskFailed'], 'ReadStoppedTask'],
      [['States.ALL'], 'NotifyFailure'],
    ]);
    expect(states.NotifyFailure?.Catch?.[0]?.Next).toBe('PipelineFailed');
    expect(states.NotifyFailure?.Next).toBe('PipelineFailed');
    // A failed notice keeps the original error for the Fail state.
    expect(states.NotifyFailure?.Catch?.[0]?.ResultPath).toBe('$.notifyError');
  });

  it("passes the transcoder's own environment names to the task", () => {
    const overrides = states.StartECSTask?.Parameters?.Overrides as {
      ContainerOverrides: { Environment: { Name: string }[] }[];
    };
    const names = overrides.ContainerOverrides[0]?.Environment.map((e) => e.Name) ?? [];
    expect(names).toEqual([
      'INPUT_BUCKET',
      'INPUT_KEY',
      'INPUT_ETAG',
      'OUTPUT_BUCKET',
      'OUTPUT_PREFIX',
      'MAX_DURATION_SECONDS',
    ]);
    // MAX_DURATION_SECONDS is the transcoder's limit (its config.ts), not in TASK_ENV.
    for (const n of names.filter((x) => x !== 'MAX_DURATION_SECONDS')) expect(Object.values(TASK_ENV)).toContain(n);
  });

  it('names its deployment placeholders, and substitution fills every one', () => {
    const placeholders = [...new Set([...text.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]))].sort();
    expect(placeholders).toEqual([
      'ClusterArn',
      'ContainerName',
      'MaxDurationSeconds',
      'NotifyFunctionArn',
      'OutputBucket',
      'OutputPrefix',
      'SecurityGroups',
      'Subnets',
      'TaskDefinitionArn',
      'ValidateVideoFunctionArn',
    ]);
    const values = Object.fromEntries(placeholders.map((p) => [p, `v-${p}`])) as Record<string, string>;
    const filled = substitute(text, values);
    expect(filled).not.toMatch(/\$\{\w+\}/);
    expect(JSON.parse(filled).States.StartECSTask.Parameters.Cluster).toBe('v-ClusterArn');
    expect(() => substitute(text, { ...values, Subnets: undefined as unknown as string })).toThrow(/\$\{Subnets\}/);
  });
});

/** Worst case of a Task state's own retries: every attempt runs to its timeout, every wait at its longest. */
function worstCaseSeconds(s: State, attemptSeconds = s.TimeoutSeconds ?? 0): number {
  let total = attemptSeconds;
  for (const r of s.Retry ?? []) {
    for (let i = 0; i < r.MaxAttempts; i++) {
      total += Math.min(r.IntervalSeconds * r.BackoffRate ** i, r.MaxDelaySeconds ?? Number.POSITIVE_INFINITY);
      total += attemptSeconds;
    }
  }
  return total;
}

describe('the limits (src/limits.ts) and the definition', () => {
  it('holds the numbers of src/limits.ts, and a definition that disagrees is refused', () => {
    expect(definitionNumbers(text)).toEqual({
      executionTimeoutSeconds: LIMITS.executionTimeoutSeconds,
      taskTimeoutSeconds: LIMITS.taskTimeoutSeconds,
      transcodeAttempts: LIMITS.transcodeAttempts,
      firstRetryDelaySeconds: LIMITS.firstRetryDelaySeconds,
    });
    expect(() => checkDefinitionLimits(text, DEFINITION_FILE)).not.toThrow();
    const drifted = JSON.parse(text);
    drifted.States.StartECSTask.TimeoutSeconds = 3600;
    expect(() => checkDefinitionLimits(JSON.stringify(drifted), 'x.asl.json')).toThrow(
      `x.asl.json disagrees with src/limits.ts: taskTimeoutSeconds is 3600 in the definition, ${LIMITS.taskTimeoutSeconds} in src/limits.ts`,
    );
    // The transcoder's own limit reaches every task as a container override.
    expect(limitSubstitutions()).toEqual({ MaxDurationSeconds: String(LIMITS.maxDurationSeconds) });
  });

  it('gives a task time for the longest, largest accepted video, and the execution time for every attempt', () => {
    const a = ASSUMPTIONS;
    const transcode = LIMITS.maxDurationSeconds / a.encodeRealtimeFactor;
    const transfer = (2 * LIMITS.maxInputBytes) / a.s3BytesPerSecond;
    expect(LIMITS.taskTimeoutSeconds).toBeGreaterThanOrEqual(transcode + transfer + a.taskOverheadSeconds);

    // Everything else on the longest path, from the definition itself: ValidateVideo, then
    // NotifyComplete failing into NotifyFailure, each with its retries; per transcode attempt,
    // RunTask's retries of API errors (answers that come back within seconds: 60 s assumed each).
    const lambdaStates = ['ValidateVideo', 'NotifyComplete', 'NotifyFailure'].map((n) => worstCaseSeconds(states[n]!));
    const runTaskRetries = worstCaseSeconds(states.StartECSTask!, 60);
    const orchestration = lambdaStates.reduce((x, y) => x + y, 0) + LIMITS.transcodeAttempts * runTaskRetries;
    expect(orchestration).toBeLessThanOrEqual(a.orchestrationSeconds);

    const waits = retryDelays(LIMITS).reduce((x, y) => x + y, 0);
    expect(LIMITS.executionTimeoutSeconds).toBeGreaterThanOrEqual(
      LIMITS.transcodeAttempts * LIMITS.taskTimeoutSeconds + waits + a.orchestrationSeconds,
    );
    // Step Functions' own bounds: a STANDARD execution runs at most a year; ValidateVideo's limit is what the transcoder downloads.
    expect(LIMITS.executionTimeoutSeconds).toBeLessThan(365 * 24 * 3600);
    expect(retryDelays(LIMITS)).toEqual([15, 30]);
  });
});

describe('the transcode outcome (the graph walked with scripted task results)', () => {
  const filled = JSON.parse(
    substitute(text, {
      ValidateVideoFunctionArn: 'arn:validate',
      NotifyFunctionArn: 'arn:notify',
      ClusterArn: 'arn:cluster',
      TaskDefinitionArn: 'arn:taskdef',
      ContainerName: 'transcoder',
      Subnets: 'subnet-1,subnet-2',
      SecurityGroups: 'sg-1',
      OutputBucket: 'out',
      OutputPrefix: 'processed',
      ...limitSubstitutions(),
    }),
  );
  const input = { bucket: 'in', key: 'uploads/a.mp4', etag: 'etag-1', size: 100 };

  /**
   * What `ecs:runTask.sync` gives on AWS: on success the stopped task's description (PascalCase,
   * `Containers[].ExitCode`, `StopCode`, `StoppedReason`), as recorded against AWS in LocalStack's
   * snapshot tests; a non-zero exit of the essential container fails the state with
   * States.TaskFailed, the same description as a JSON string in the cause.
   */
  const stopped = (exitCode: number | undefined, stop: { StopCode: string; StoppedReason: string }) => ({
    TaskArn: 'arn:aws:ecs:eu-west-1:123456789012:task/media/0123',
    LastStatus: 'STOPPED',
    ...stop,
    Containers: [
      { Name: 'transcoder', LastStatus: 'STOPPED', ...(exitCode === undefined ? {} : { ExitCode: exitCode }) },
    ],
  });
  const exited = { StopCode: 'EssentialContainerExited', StoppedReason: 'Essential container in task exited' };
  const ok: TaskResult = { output: stopped(0, exited) };
  const failedWith = (exitCode: number | undefined, stop = exited): TaskResult => ({
    error: 'States.TaskFailed',
    cause: JSON.stringify(stopped(exitCode, stop)),
  });
  const spot = {
    StopCode: 'SpotInterruption',
    StoppedReason: 'Your Spot Task was interrupted.',
  };

  function run(ecs: TaskResult[]) {
    const script = [...ecs];
    const notices: unknown[] = [];
    const result = walk(filled, input, (state, effective) => {
      const payload = (effective as { Payload: Record<string, unknown> }).Payload;
      if (state === 'ValidateVideo')
        return {
          output: {
            Payload: {
              valid: true,
              reason: null,
              container: 'mp4',
              size: 100,
              contentType: 'video/mp4',
              etag: 'etag-1',
            },
          },
        };
      if (state === 'StartECSTask') return script.shift() ?? { error: 'Test.NoMoreTasks', cause: 'unscripted' };
      notices.push(payload);
      return { output: { Payload: { messageId: 'm-1', eventType: String(payload.status) } } };
    });
    const tasks = result.calls.filter((c) => c.state === 'StartECSTask');
    return { ...result, tasks, notices };
  }

  it('exit code 0: NotifyComplete with this upload ETag; the task gets the ETag and the duration limit', () => {
    const r = run([ok]);
    expect(r.status).toBe('SUCCEEDED');
    expect(r.path).toEqual([
      'ValidateVideo',
      'IsValidVideo',
      'PrepareTranscode',
      'StartECSTask',
      'HasExitCode',
      'ExitCode',
      'NotifyComplete',
    ]);
    const env = (
      r.tasks[0]!.input as { Overrides: { ContainerOverrides: { Environment: { Name: string; Value: string }[] }[] } }
    ).Overrides.ContainerOverrides[0]?.Environment;
    expect(Object.fromEntries(env?.map((e) => [e.Name, e.Value]) ?? [])).toMatchObject({
      INPUT_ETAG: 'etag-1',
      MAX_DURATION_SECONDS: String(LIMITS.maxDurationSeconds),
    });
    expect(r.notices).toEqual([expect.objectContaining({ status: 'SUCCEEDED', etag: 'etag-1' })]);
  });

  it('exit code 2 (invalid input, States.TaskFailed on AWS): rejected, never retried', () => {
    const r = run([failedWith(2), ok]);
    expect(r.tasks).toHaveLength(1);
    expect(r.path.slice(3)).toEqual([
      'StartECSTask',
      'ReadStoppedTask',
      'ParseStoppedTask',
      'HasExitCode',
      'ExitCode',
      'TranscodeRejected',
      'NotifyRejected',
      'VideoRejected',
    ]);
    expect(r.status).toBe('FAILED');
    expect(r.error).toBe('VideoRejected');
    expect(r.cause).toMatch(/exit code 2/);
    expect(r.waits).toEqual([]);
  });

  it('exit code 2 where runTask.sync succeeds whatever the exit code: rejected the same way', () => {
    const r = run([{ output: stopped(2, exited) }]);
    expect(r.tasks).toHaveLength(1);
    expect(r.error).toBe('VideoRejected');
  });

  it('exit code 1 (transient), then 0: retried once after the first wait, then announced', () => {
    const r = run([failedWith(1), ok]);
    expect(r.status).toBe('SUCCEEDED');
    expect(r.tasks).toHaveLength(2);
    expect(r.waits).toEqual([LIMITS.firstRetryDelaySeconds]);
    expect(r.path.slice(3, 11)).toEqual([
      'StartECSTask',
      'ReadStoppedTask',
      'ParseStoppedTask',
      'HasExitCode',
      'ExitCode',
      'CanRetry',
      'WaitBeforeRetry',
      'NextAttempt',
    ]);
    expect(r.path.at(-1)).toBe('NotifyComplete');
  });

  it('a Spot interruption (no exit code, or the SIGTERM exit) is retried', () => {
    expect(run([failedWith(undefined, spot), ok]).tasks).toHaveLength(2);
    expect(run([failedWith(1, spot), ok]).status).toBe('SUCCEEDED');
    expect(run([failedWith(137, spot), ok]).tasks).toHaveLength(2);
  });

  it('a transient failure every time: as many attempts as the limits say, waits doubling, then a failure notice', () => {
    const r = run([failedWith(1), failedWith(1), failedWith(1), ok]);
    expect(r.tasks).toHaveLength(LIMITS.transcodeAttempts);
    expect(r.waits).toEqual(retryDelays(LIMITS));
    expect(r.status).toBe('FAILED');
    expect(r.error).toBe('TranscodeFailed');
    expect(r.cause).toMatch(/did not finish in 3 attempts; the last task: \{.*"ExitCode":1/);
    expect(r.notices).toEqual([
      expect.objectContaining({ status: 'FAILED', error: expect.objectContaining({ Error: 'TranscodeFailed' }) }),
    ]);
  });

  it('a task timeout, or a task failure whose cause is no task description, fails at once', () => {
    const timeout = run([{ error: 'States.Timeout', cause: 'the task ran longer than TimeoutSeconds' }, ok]);
    expect(timeout.tasks).toHaveLength(1);
    expect(timeout.error).toBe('States.Timeout');
    const opaque = run([{ error: 'States.TaskFailed', cause: 'no description' }, ok]);
    expect(opaque.tasks).toHaveLength(1);
    expect(opaque.path.slice(-3)).toEqual(['ReadStoppedTask', 'NotifyFailure', 'PipelineFailed']);
  });
});
