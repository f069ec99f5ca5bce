/**
 * The `tilelab` CLI as bundled into the desktop app (out/main/cli.js). The app runs its training, evaluation and
 * sweep jobs with it, as `<app executable> out/main/cli.js <command> --json` under ELECTRON_RUN_AS_NODE=1, exactly as
 * a terminal user would run `tilelab <command>`.
 */
import { runCli } from './main'

process.exitCode = await runCli(process.argv)
