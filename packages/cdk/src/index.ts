export { MediaBuckets } from './buckets.ts';
export { CFN_LINT_ACKNOWLEDGED, cfnLint } from './cfn-lint.ts';
export {
  assemblyDir,
  deployLocal,
  destroyLocal,
  LOCAL_ACCOUNT,
  type LocalDeployOptions,
  tagImageAssetsLocally,
} from './deploy-local.ts';
export { BundledFunction, type BundledFunctionProps } from './lambda.ts';
export {
  acknowledge,
  checkAwsSolutions,
  FEATURE_FLAGS,
  nagValue,
  roleStatements,
  type Statement,
  synthApp,
  synthStack,
  synthWithNag,
  TEST_ENV,
  testApp,
} from './nag.ts';
export { flowLogsOption, readOption } from './options.ts';
export { type TranscoderNetwork, TranscoderOnFargate, type TranscoderOnFargateProps } from './transcoder.ts';
export { UploadTrigger } from './trigger.ts';
export { type IsolatedVpcProps, isolatedVpc } from './vpc.ts';
