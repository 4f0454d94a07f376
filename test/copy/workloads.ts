/**
 * The workloads whose README has a "Copy it" section the copy test runs: one line each,
 * everything else (what to copy, package.json, tsconfig.json) comes from that README.
 */
export const WORKLOADS = [
  'image-resize',
  'order-processor',
  'transcoder',
  'inference-proxy',
  'model-server',
  'ecs-task-launcher',
  'video-pipeline',
  'orders-api',
];
