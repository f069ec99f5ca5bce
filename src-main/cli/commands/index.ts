/** The registry of sub-commands, in the order `tilelab --help` lists them. */
import type { Command } from 'commander'
import { register as demo } from './demo'
import { register as evaluate } from './evaluate'
import { register as info } from './info'
import { register as merge } from './merge'
import { register as predict } from './predict'
import { register as serve } from './serve'
import { register as sweep } from './sweep'
import { register as synth } from './synth'
import { register as train } from './train'

export type RegisterCommand = (program: Command) => void

export const COMMANDS: RegisterCommand[] = [info, predict, synth, train, evaluate, sweep, merge, serve, demo]
