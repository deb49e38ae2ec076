// Benchmark dispatcher: `npm run bench -- <name> [options]`; no name runs `core`.
const [name = 'core', ...args] = process.argv.slice(2);

switch (name) {
  case 'core': {
    const { runCore } = await import('./core.js');
    await runCore(args);
    break;
  }
  case 'instructions': {
    const { runInstructions } = await import('./instructions.js');
    await runInstructions(args);
    break;
  }
  case 'profile': {
    const { runProfile } = await import('./profile.js');
    runProfile(args);
    break;
  }
  case 'e2e': {
    // Loaded only when asked for: bench/e2e.ts is maintained separately.
    const e2e: { main?: (args: readonly string[]) => unknown; runE2e?: (args: readonly string[]) => unknown } = await import('./e2e.js' as string);
    const entry = e2e.runE2e ?? e2e.main;
    if (entry !== undefined) await entry(args);
    break;
  }
  case 'crash': {
    // Extra deliveries per SIGKILL against commit settings (bench/crash/README.md).
    const { runCrash } = await import('./crash/run.js');
    await runCrash(args);
    break;
  }
  default:
    if (name.startsWith('--')) {
      const { runCore } = await import('./core.js');
      await runCore([name, ...args]);
    } else {
      console.error(`unknown benchmark "${name}"; one of: core, instructions, e2e, crash, profile`);
      process.exitCode = 2;
    }
}
