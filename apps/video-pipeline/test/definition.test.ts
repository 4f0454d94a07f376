import { readFileSync } from 'node:fs';
import { TASK_ENV } from '@samples/transcoder/contract';
import { describe, expect, it } from 'vitest';
import { DEFINITION_FILE, substitute } from './stack.ts';

interface State {
  Type: string;
  Resource?: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: { Next: string }[];
  Catch?: { ErrorEquals: string[]; Next: string; ResultPath?: string }[];
  Retry?: { ErrorEquals: string[]; IntervalSeconds: number; MaxAttempts: number; BackoffRate: number }[];
  TimeoutSeconds?: number;
  Parameters?: Record<string, unknown>;
}

const text = readFileSync(DEFINITION_FILE, 'utf8');
const asl = JSON.parse(text) as { StartAt: string; States: Record<string, State>; QueryLanguage: string };
const states = asl.States;

describe('the state machine definition (statemachine/video-pipeline.asl.json)', () => {
  it('is ValidateVideo -> IsValidVideo -> StartECSTask (runTask.sync) -> NotifyComplete, or VideoRejected', () => {
    expect(asl.QueryLanguage).toBe('JSONPath');
    expect(asl.StartAt).toBe('ValidateVideo');
    expect(states.ValidateVideo?.Next).toBe('IsValidVideo');
    expect(states.IsValidVideo?.Choices?.map((c) => c.Next)).toEqual(['StartECSTask']);
    expect(states.IsValidVideo?.Default).toBe('NotifyRejected');
    expect(states.NotifyRejected?.Next).toBe('VideoRejected');
    expect(states.VideoRejected?.Type).toBe('Fail');
    expect(states.StartECSTask?.Resource).toBe('arn:aws:states:::ecs:runTask.sync');
    expect(states.StartECSTask?.Parameters?.LaunchType).toBe('FARGATE');
    expect(states.StartECSTask?.Next).toBe('NotifyComplete');
    expect(states.NotifyComplete?.End).toBe(true);
    expect(states.ValidateVideo?.TimeoutSeconds).toBe(60);
    expect(states.StartECSTask?.TimeoutSeconds).toBe(3600);
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
      expect(
        s.Catch?.map((c) => c.ErrorEquals),
        name,
      ).toEqual([['States.ALL']]);
    }
    // Work states route failures to the failure notice; the notices themselves end in a Fail state.
    for (const name of ['ValidateVideo', 'StartECSTask', 'NotifyComplete']) {
      expect(states[name]?.Catch?.[0]?.Next).toBe('NotifyFailure');
    }
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
    expect(names).toEqual(['INPUT_BUCKET', 'INPUT_KEY', 'OUTPUT_BUCKET', 'OUTPUT_PREFIX']);
    for (const n of names) expect(Object.values(TASK_ENV)).toContain(n);
  });

  it('names its deployment placeholders, and substitution fills every one', () => {
    const placeholders = [...new Set([...text.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]))].sort();
    expect(placeholders).toEqual([
      'ClusterArn',
      'ContainerName',
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
