import { deployLocal } from '@samples/cdk';
import { describeWith, emulator, uniqueName } from '@samples/emulator/testing';
import { expect, it } from 'vitest';

const PACKAGE_DIR = new URL('..', import.meta.url).pathname;

// Tries the launcher's CDK stack in the emulator and reports what its CloudFormation cannot
// create. ministack 1.5.33 has no AWS::EC2::EIP, AWS::EC2::NatGateway or AWS::EC2::FlowLog, which
// the stack's VPC needs (private subnets with egress, flow logs for cdk-nag): the stack deploys on
// AWS; in the emulator the function and task definition are deployed by test/stack.ts instead.
describeWith(['cloudformation', 'lambda', 'ecs', 'iam', 's3'], 'ecs-task-launcher CDK stack in the emulator', () => {
  it('deploys, or fails naming exactly the resource types the emulator lacks', async () => {
    const info = emulator();
    const stackName = `EcsTaskLauncher-${uniqueName('cdk').replaceAll('-', '')}`.slice(0, 60);
    let outcome: string;
    try {
      const outputs = await deployLocal({ cwd: PACKAGE_DIR, env: { ...process.env, ...info.env }, stackName });
      outcome = `deployed: ${JSON.stringify(outputs)}`;
    } catch (err) {
      outcome = (err as Error).message;
    }
    const unrecognized = outcome.match(/Unrecognized resource types: \[([^\]]+)\]/)?.[1];
    if (unrecognized) {
      console.info(
        `[emulator] ${info.description}: CloudFormation cannot create ${unrecognized}; the ecs-task-launcher and video-pipeline stacks (VPC with NAT and flow logs) deploy on AWS only`,
      );
      expect(unrecognized.split(', ').sort()).toEqual(['AWS::EC2::EIP', 'AWS::EC2::FlowLog', 'AWS::EC2::NatGateway']);
    } else {
      expect(outcome).toMatch(/^deployed: /);
    }
  });
});
