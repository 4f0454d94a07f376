export { BundledFunction, type BundledFunctionProps } from './lambda.ts';
export { acknowledge, checkAwsSolutions, synthWithNag, testApp } from './nag.ts';
export { TranscoderOnFargate, type TranscoderOnFargateProps } from './transcoder.ts';
