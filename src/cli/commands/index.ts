/** Every sub-command, in the order `c3d --help` lists them. Add one import + one entry per command. */
import type { Command } from '../command.js';

export const commands: Command[] = [];
