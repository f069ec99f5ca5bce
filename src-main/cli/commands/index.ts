/** The registry of sub-commands, in the order `tilelab --help` lists them. */
import type { Command } from 'commander'
import { register as info } from './info'
import { register as serve } from './serve'
import { register as synth } from './synth'

export type RegisterCommand = (program: Command) => void

export const COMMANDS: RegisterCommand[] = [info, synth, serve]
