#!/usr/bin/env node
/**
 * pnpm emulator start   start the emulator chosen by AWS_EMULATOR and keep it running
 * pnpm emulator check   start it, print what started, stop it (exit 1 with the fix-it message if none can)
 */
import { EmulatorUnavailableError, holdUntilStopped, startEmulator } from './index.ts';

const command = process.argv[2] ?? 'start';

async function main(): Promise<number> {
  if (command !== 'start' && command !== 'check') {
    console.error('usage: emulator start | check');
    return 2;
  }
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  try {
    emulator = await startEmulator();
  } catch (error) {
    console.error(error instanceof EmulatorUnavailableError ? error.message : error);
    return 1;
  }
  console.log(`backend ${emulator.backend}: ${emulator.description}, started in ${emulator.startedInMs} ms`);
  console.log(`services: ${emulator.services.join(', ')}`);
  if (command === 'check') {
    await emulator.stop();
    return 0;
  }
  await holdUntilStopped(emulator);
  await emulator.stop();
  return 0;
}

process.exitCode = await main();
