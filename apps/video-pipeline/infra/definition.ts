import { LIMITS, type PipelineLimits } from '../src/limits.ts';

interface Asl {
  TimeoutSeconds?: number;
  States: Record<string, Record<string, unknown>>;
}

type DefinitionNumbers = Pick<
  PipelineLimits,
  'executionTimeoutSeconds' | 'taskTimeoutSeconds' | 'transcodeAttempts' | 'firstRetryDelaySeconds'
>;

/** The numbers of `src/limits.ts` as the ASL file holds them (JSON numbers cannot be placeholders). */
export function definitionNumbers(text: string): Partial<DefinitionNumbers> {
  const asl = JSON.parse(text) as Asl;
  const s = asl.States;
  const canRetry = (s.CanRetry?.Choices as { NumericLessThan?: number }[] | undefined)?.[0];
  return {
    executionTimeoutSeconds: asl.TimeoutSeconds,
    taskTimeoutSeconds: s.StartECSTask?.TimeoutSeconds as number | undefined,
    transcodeAttempts: canRetry?.NumericLessThan,
    firstRetryDelaySeconds: (s.PrepareTranscode?.Result as { retryDelaySeconds?: number } | undefined)
      ?.retryDelaySeconds,
  };
}

/** Throws, naming each number, when the definition disagrees with the limits. */
export function checkDefinitionLimits(text: string, file: string, limits: PipelineLimits = LIMITS): void {
  const found = definitionNumbers(text);
  const wrong = (Object.keys(found) as (keyof DefinitionNumbers)[])
    .filter((k) => found[k] !== limits[k])
    .map((k) => `${k} is ${found[k]} in the definition, ${limits[k]} in src/limits.ts`);
  if (wrong.length > 0) throw new Error(`${file} disagrees with src/limits.ts: ${wrong.join('; ')}`);
}

/** The definition's placeholders that the limits fill (ECS environment values are strings). */
export function limitSubstitutions(limits: PipelineLimits = LIMITS): { MaxDurationSeconds: string } {
  return { MaxDurationSeconds: String(limits.maxDurationSeconds) };
}
