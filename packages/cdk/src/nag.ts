import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type AppProps, type Environment, type Stack, Token, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges an AwsSolutions finding on a construct and its children, with the reason
 * (`rule` as cdk-nag names it: `AwsSolutions-S1`, `AwsSolutions-IAM5[Resource::*]`).
 */
export function acknowledge(scope: IConstruct, ...rules: { rule: string; reason: string }[]): void {
  Validations.of(scope).acknowledge(...rules.map((r) => ({ id: `AwsSolutions::${r.rule}`, reason: r.reason })));
}

/** A value as cdk-nag prints it in a finding: as is when known at synthesis, else `<AWS::Region>` and the like. */
export function nagValue(value: string, pseudoParameter: 'AWS::Region' | 'AWS::AccountId'): string {
  return Token.isUnresolved(value) ? `<${pseudoParameter}>` : value;
}

/** cdk-nag's AwsSolutions pack as a policy validation plugin: a violation fails synthesis. */
export function checkAwsSolutions(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
}

/**
 * Feature flags every app sets. Server access logs are granted to S3's logging service by a
 * bucket policy, as AWS recommends, instead of the legacy `LogDeliveryWrite` ACL (which also
 * needs ACLs re-enabled on the log bucket; cfn-lint W3045).
 */
export const FEATURE_FLAGS = { '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true } as const;

/** An app for unit tests, synthesizing into a temporary folder. */
export function testApp(props: AppProps = {}): App {
  return new App({
    outdir: mkdtempSync(join(tmpdir(), 'cdk-test-')),
    ...props,
    context: { ...FEATURE_FLAGS, ...props.context },
  });
}

/** The part of CDK's `validation-report.json` (written to the app's outdir when a plugin fails) read here. */
interface ValidationReport {
  pluginReports?: { violations?: { ruleName: string; violatingConstructs?: { constructPath?: string }[] }[] }[];
}

/**
 * For unit tests: the stack's template, synthesized without the nag pack, and every
 * unacknowledged AwsSolutions finding of a second synthesis with it ("rule at construct path").
 */
export function synthWithNag(makeApp: () => { app: App; stack: Stack }): { template: Template; findings: string[] } {
  const template = Template.fromStack(makeApp().stack);
  const checked = makeApp();
  checkAwsSolutions(checked.app);
  try {
    checked.app.synth();
    return { template, findings: [] };
  } catch (err) {
    const reportFile = join(checked.app.outdir, 'validation-report.json');
    if (!existsSync(reportFile)) return { template, findings: [`synthesis failed: ${(err as Error).message}`] };
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as ValidationReport;
    const findings = (report.pluginReports ?? []).flatMap((plugin) =>
      (plugin.violations ?? []).flatMap((v) =>
        (v.violatingConstructs ?? [{}]).map((c) => `${v.ruleName} at ${c.constructPath ?? '?'}`),
      ),
    );
    return { template, findings };
  }
}

/**
 * A workload's CDK app entry point: builds its stack in the CLI's account and region (or the
 * emulator's, for deploy:local), with cdk-nag, and synthesizes. `STACK_NAME` renames the stack.
 */
export function synthApp(build: (app: App, id: string | undefined, env: Environment) => Stack): void {
  const app = new App({ context: { ...FEATURE_FLAGS } });
  build(app, process.env.STACK_NAME, {
    account: process.env.CDK_DEFAULT_ACCOUNT,
    region: process.env.CDK_DEFAULT_REGION,
  });
  checkAwsSolutions(app);
  app.synth();
}

/** The account and region unit tests synthesize in. */
export const TEST_ENV: Environment = { account: '123456789012', region: 'eu-west-1' };

/** For unit tests: `synthWithNag` of a stack built in a fresh test app. */
export function synthStack(build: (app: App) => Stack): { template: Template; findings: string[] } {
  return synthWithNag(() => {
    const app = testApp();
    return { app, stack: build(app) };
  });
}

export interface Statement {
  Effect?: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** Every statement of the inline policies attached to the roles whose logical id starts with the prefix. */
export function roleStatements(template: Template, rolePrefix: string): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref.startsWith(rolePrefix)))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}
