/**
 * Walks an ASL (JSONPath) definition with scripted task results, to unit test the graph's
 * branches where a real run cannot reach them on demand (AWS's `States.TaskFailed` from
 * `ecs:runTask.sync`, a Spot interruption). Only what the pipeline's definition uses:
 * Task (Parameters, ResultSelector, ResultPath, Retry, Catch), Pass, Choice, Wait, Fail,
 * and the intrinsics StringToJson, JsonToString, StringSplit, MathAdd, Format. As on AWS, a Choice rule
 * comparing a path that does not exist, or a path in Parameters that does not exist, is a
 * `States.Runtime` error that nothing catches.
 */

type Json = unknown;
export type TaskResult = { output: Json } | { error: string; cause: string };
export type TaskHandler = (state: string, input: Json) => TaskResult;

interface State {
  Type: string;
  Next?: string;
  End?: boolean;
  Parameters?: Json;
  Result?: Json;
  ResultSelector?: Json;
  ResultPath?: string | null;
  Retry?: { ErrorEquals: string[]; MaxAttempts?: number }[];
  Catch?: { ErrorEquals: string[]; ResultPath?: string | null; Next: string }[];
  Choices?: Rule[];
  Default?: string;
  SecondsPath?: string;
  Seconds?: number;
  Error?: string;
  ErrorPath?: string;
  Cause?: string;
  CausePath?: string;
}

interface Rule {
  Variable?: string;
  Next?: string;
  And?: Rule[];
  Or?: Rule[];
  Not?: Rule;
  [op: string]: unknown;
}

export class RuntimeError extends Error {
  override name = 'States.Runtime';
}

const MISSING = Symbol('missing');

function tokens(path: string): (string | number)[] {
  if (path === '$') return [];
  if (!path.startsWith('$')) throw new RuntimeError(`not a path: ${path}`);
  return [...path.slice(1).matchAll(/\.([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]!));
}

function get(data: Json, path: string): Json | typeof MISSING {
  let cur: Json = data;
  for (const t of tokens(path)) {
    if (cur === null || typeof cur !== 'object' || !(t in (cur as object))) return MISSING;
    cur = (cur as Record<string | number, Json>)[t];
  }
  return cur;
}

function mustGet(data: Json, path: string): Json {
  const v = get(data, path);
  if (v === MISSING) throw new RuntimeError(`path ${path} does not exist in the input`);
  return v;
}

function setPath(data: Json, path: string | null | undefined, value: Json): Json {
  if (path === null) return data;
  if (path === undefined || path === '$') return value;
  const ts = tokens(path);
  const root = structuredClone((data ?? {}) as object) as Record<string, Json>;
  let cur = root;
  for (const t of ts.slice(0, -1)) {
    if (typeof cur[t] !== 'object' || cur[t] === null) cur[t] = {};
    cur = cur[t] as Record<string, Json>;
  }
  cur[ts.at(-1) as string] = value;
  return root;
}

/** Splits `a, 'b, c', F(x, y)` at top-level commas. */
function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    if (quoted && ch === '\\') {
      cur += ch + (s[++i] ?? '');
      continue;
    }
    if (ch === "'") quoted = !quoted;
    if (!quoted && ch === '(') depth++;
    if (!quoted && ch === ')') depth--;
    if (!quoted && depth === 0 && ch === ',') {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

function evalArg(arg: string, data: Json, ctx: Json): Json {
  if (arg.startsWith("'")) return arg.slice(1, -1).replace(/\\(.)/g, '$1');
  if (arg.startsWith('$$')) return mustGet(ctx, arg.slice(1));
  if (arg.startsWith('$')) return mustGet(data, arg);
  if (arg.startsWith('States.')) return intrinsic(arg, data, ctx);
  return JSON.parse(arg);
}

function intrinsic(expr: string, data: Json, ctx: Json): Json {
  const m = /^States\.(\w+)\((.*)\)$/s.exec(expr);
  if (!m) throw new RuntimeError(`not an intrinsic: ${expr}`);
  const args = splitArgs(m[2] as string).map((a) => evalArg(a, data, ctx));
  switch (m[1]) {
    case 'StringToJson':
      return JSON.parse(args[0] as string);
    case 'JsonToString':
      return JSON.stringify(args[0]);
    case 'StringSplit':
      return (args[0] as string).split(new RegExp(`[${escapeRegExp(args[1] as string)}]`)).filter((x) => x !== '');
    case 'MathAdd':
      return (args[0] as number) + (args[1] as number);
    case 'Format': {
      let i = 1;
      return (args[0] as string).replace(/\{\}/g, () => {
        const v = args[i++];
        return typeof v === 'string' ? v : JSON.stringify(v);
      });
    }
    default:
      throw new RuntimeError(`intrinsic ${m[1]} is not modelled here`);
  }
}

function template(t: Json, data: Json, ctx: Json): Json {
  if (Array.isArray(t)) return t.map((x) => template(x, data, ctx));
  if (t === null || typeof t !== 'object') return t;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(t)) {
    if (k.endsWith('.$')) out[k.slice(0, -2)] = evalArg(v as string, data, ctx);
    else out[k] = template(v, data, ctx);
  }
  return out;
}

function matches(rule: Rule, data: Json): boolean {
  if (rule.And) return rule.And.every((r) => matches(r, data));
  if (rule.Or) return rule.Or.some((r) => matches(r, data));
  if (rule.Not) return !matches(rule.Not, data);
  const value = get(data, rule.Variable as string);
  if ('IsPresent' in rule) return (value !== MISSING) === rule.IsPresent;
  if (value === MISSING) throw new RuntimeError(`Choice: ${rule.Variable} does not exist`);
  if ('NumericEquals' in rule) return typeof value === 'number' && value === rule.NumericEquals;
  if ('NumericLessThan' in rule) return typeof value === 'number' && value < (rule.NumericLessThan as number);
  if ('BooleanEquals' in rule) return value === rule.BooleanEquals;
  if ('StringMatches' in rule) {
    const re = new RegExp(`^${(rule.StringMatches as string).split('*').map(escapeRegExp).join('.*')}$`, 's');
    return typeof value === 'string' && re.test(value);
  }
  throw new RuntimeError(`Choice operator not modelled: ${JSON.stringify(rule)}`);
}

const escapeRegExp = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const errorMatches = (equals: string[], error: string) =>
  equals.includes(error) || (equals.includes('States.ALL') && error !== 'States.Runtime');

export interface Walk {
  /** The states entered, in order. */
  path: string[];
  status: 'SUCCEEDED' | 'FAILED';
  error?: string;
  cause?: string;
  /** Each Wait state's seconds, in order. */
  waits: number[];
  /** Each Task state's effective input, in order. */
  calls: { state: string; input: Json }[];
  output: Json;
}

export function walk(asl: { StartAt: string; States: Record<string, State> }, input: Json, run: TaskHandler): Walk {
  const ctx = { Execution: { Id: 'arn:aws:states:eu-west-1:123456789012:execution:pipeline:run', Name: 'run' } };
  const result: Walk = { path: [], status: 'SUCCEEDED', waits: [], calls: [], output: undefined };
  let data = input;
  let name: string | undefined = asl.StartAt;
  while (name) {
    if (result.path.length > 200) throw new Error(`no end after 200 states: ${result.path.join(' -> ')}`);
    const s: State | undefined = asl.States[name];
    if (!s) throw new Error(`no state ${name}`);
    result.path.push(name);
    let next: string | undefined = s.Next;
    switch (s.Type) {
      case 'Pass': {
        const value = s.Parameters !== undefined ? template(s.Parameters, data, ctx) : (s.Result ?? data);
        data = setPath(data, s.ResultPath, value);
        break;
      }
      case 'Choice':
        next = s.Choices?.find((r) => matches(r, data))?.Next ?? s.Default;
        if (!next) throw new RuntimeError(`Choice ${name}: no rule matched and no Default`);
        break;
      case 'Wait': {
        const seconds = s.SecondsPath ? mustGet(data, s.SecondsPath) : s.Seconds;
        if (typeof seconds !== 'number' || seconds < 0) throw new RuntimeError(`Wait ${name}: ${seconds} seconds`);
        result.waits.push(seconds);
        break;
      }
      case 'Fail':
        result.status = 'FAILED';
        result.error = s.ErrorPath ? (mustGet(data, s.ErrorPath) as string) : s.Error;
        result.cause = s.CausePath ? (mustGet(data, s.CausePath) as string) : s.Cause;
        result.output = data;
        return result;
      case 'Task': {
        const effective = s.Parameters !== undefined ? template(s.Parameters, data, ctx) : data;
        const retries = new Map<number, number>();
        let res: TaskResult;
        for (;;) {
          result.calls.push({ state: name, input: effective });
          res = run(name, effective);
          if ('output' in res) break;
          const failure: { error: string } = res;
          const i = (s.Retry ?? []).findIndex((r) => errorMatches(r.ErrorEquals, failure.error));
          const retrier = (s.Retry ?? [])[i];
          if (!retrier || (retries.get(i) ?? 0) >= (retrier.MaxAttempts ?? 3)) break;
          retries.set(i, (retries.get(i) ?? 0) + 1);
        }
        if ('output' in res) {
          const selected = s.ResultSelector ? template(s.ResultSelector, res.output, ctx) : res.output;
          data = setPath(data, s.ResultPath, selected);
        } else {
          const failure: { error: string; cause: string } = res;
          const c = s.Catch?.find((x) => errorMatches(x.ErrorEquals, failure.error));
          if (!c) {
            result.status = 'FAILED';
            result.error = res.error;
            result.cause = res.cause;
            return result;
          }
          data = setPath(data, c.ResultPath, { Error: res.error, Cause: res.cause });
          next = c.Next;
        }
        break;
      }
      default:
        throw new Error(`state type ${s.Type} not modelled`);
    }
    // An End state has no Next: the loop ends, unless a Catch sent it elsewhere.
    name = next;
  }
  result.output = data;
  return result;
}
