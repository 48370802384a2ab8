import type { Config } from "../config.js";
import { EXIT_USAGE, UsageError, type CliOutput } from "./client-options.js";
import { replayCommand, REPLAY_USAGE } from "./replay.js";
import { signCommand, SIGN_USAGE } from "./sign.js";
import { simulateCommand, SIMULATE_USAGE } from "./simulate.js";

type ClientCommand = (args: string[], config: Config, io: CliOutput) => Promise<number>;

/** Commands that talk to a running frontdesk over HTTP; they never open the database. */
const CLIENT_COMMANDS: Record<string, { run: ClientCommand; usage: string }> = {
  simulate: { run: simulateCommand, usage: SIMULATE_USAGE },
  replay: { run: replayCommand, usage: REPLAY_USAGE },
  sign: { run: signCommand, usage: SIGN_USAGE },
};

export function isClientCommand(name: string): boolean {
  return Object.hasOwn(CLIENT_COMMANDS, name);
}

/** Runs simulate, replay or sign; usage mistakes print the command's usage and exit 2. */
export async function runClientCommand(
  name: string,
  args: string[],
  config: Config,
  io: CliOutput,
): Promise<number> {
  const command = CLIENT_COMMANDS[name];
  if (command === undefined) throw new Error(`not a client command: ${name}`);
  if (args.includes("--help") || args.includes("-h")) {
    io.out(command.usage);
    return 0;
  }
  try {
    return await command.run(args, config, io);
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      io.err(`${error.message}\n\n${command.usage}`);
      return EXIT_USAGE;
    }
    throw error;
  }
}

function isParseArgsError(error: unknown): error is Error {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === "string" && code.startsWith("ERR_PARSE_ARGS");
}
