/** The registry of sub-commands, in the order `tilelab --help` lists them. */
import type { Command } from 'commander'
import { register as registerSynth } from './synth'

export type RegisterCommand = (program: Command) => void

export const COMMANDS: RegisterCommand[] = [registerSynth]
