export { MediaBuckets } from './buckets.ts';
export { BundledFunction, type BundledFunctionProps } from './lambda.ts';
export { acknowledge, checkAwsSolutions, synthWithNag, testApp } from './nag.ts';
export { TranscoderOnFargate, type TranscoderOnFargateProps } from './transcoder.ts';
export { UploadTrigger } from './trigger.ts';
