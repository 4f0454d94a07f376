import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetFunctionConfigurationCommand, type LambdaClient, UpdateFunctionCodeCommand } from '@aws-sdk/client-lambda';

/** A deployed function and the zip (written by the app's own bundling) that is its code. */
export interface DeployedFunction {
  /** The stack output that names it, e.g. ResizeFunctionName. */
  output: string;
  /** Its name or ARN, as the output gives it (UpdateFunctionCode takes either). */
  name: string;
  zipFile: string;
}

interface Template {
  Resources?: Record<string, { Type: string; Properties?: { Code?: { S3Key?: unknown } } }>;
  Outputs?: Record<string, { Value?: unknown }>;
}

/** The logical id an output's value refers to: `{ Ref: id }` or `{ 'Fn::GetAtt': [id, 'Arn'] }`. */
function referredId(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') return v.Ref;
  const att = v['Fn::GetAtt'];
  if (Array.isArray(att) && att[1] === 'Arn' && typeof att[0] === 'string') return att[0];
  return undefined;
}

/**
 * Which zip is which function's code, read from the cloud assembly `cdk deploy` left: each
 * AWS::Lambda::Function a stack output names, its asset (`<hash>.zip`), and the bundle whose bytes
 * are that asset's. Bundles are byte-reproducible (fixed zip entry times), so the zips the app's
 * bundling writes right after a deploy are the deployed ones. Functions no output names (CDK's own
 * custom-resource handlers) are left alone.
 */
export function deployedFunctions(
  assembly: string,
  stackName: string,
  outputs: Record<string, string>,
  zipFiles: string[],
): DeployedFunction[] {
  const template = JSON.parse(readFileSync(join(assembly, `${stackName}.template.json`), 'utf8')) as Template;
  const zips = zipFiles.map((file) => ({ file, bytes: readFileSync(file) }));
  const found: DeployedFunction[] = [];
  for (const [output, { Value }] of Object.entries(template.Outputs ?? {})) {
    const id = referredId(Value);
    const resource = id ? template.Resources?.[id] : undefined;
    if (resource?.Type !== 'AWS::Lambda::Function' || outputs[output] === undefined) continue;
    const key = resource.Properties?.Code?.S3Key;
    if (typeof key !== 'string') continue;
    let asset: Buffer;
    try {
      asset = readFileSync(join(assembly, `asset.${key}`));
    } catch {
      continue;
    }
    const zip = zips.find((z) => z.bytes.equals(asset));
    if (zip) found.push({ output, name: outputs[output], zipFile: zip.file });
  }
  return found;
}

/** Every `.zip` path in what an app's `stackProps()` returns (its bundles, however nested). */
export function zipPaths(props: unknown): string[] {
  if (typeof props === 'string') return props.endsWith('.zip') ? [props] : [];
  if (Array.isArray(props)) return props.flatMap(zipPaths);
  if (typeof props === 'object' && props !== null) return Object.values(props).flatMap(zipPaths);
  return [];
}

/** UpdateFunctionCode with the zip in memory, then waits for LastUpdateStatus Successful. */
export async function pushCode(lambda: LambdaClient, name: string, zip: Uint8Array): Promise<void> {
  await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: zip }));
  for (;;) {
    const c = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    if (c.LastUpdateStatus === 'Failed') {
      throw new Error(`update of ${name} failed: ${c.LastUpdateStatusReason ?? c.LastUpdateStatusReasonCode}`);
    }
    if (c.State === 'Active' && (c.LastUpdateStatus === 'Successful' || c.LastUpdateStatus === undefined)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
