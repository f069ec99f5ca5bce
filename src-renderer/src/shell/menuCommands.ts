/**
 * The renderer's side of the desktop app's menu: commands arrive through the preload (`window.tilelabShell`,
 * validated there) and become viewer actions. In a browser (web host) there is no menu and this does nothing.
 *
 * - openStudy {path}: opens the study the user picked in the native dialog (the shell granted it).
 * - train / evaluateFolder / loadModel: opens the matching dialog (app.dialog).
 */
import type { MenuCommand } from '../../../src-main/common/menuCommands'
import { app } from '../state/appState.svelte'
import * as session from '../state/studySession'

/** Applies one menu command. */
export function applyMenuCommand(command: MenuCommand): void {
  switch (command.command) {
    case 'openStudy':
      app.dialog = null
      void session.openStudy(command.path)
      return
    case 'train':
      app.showOpen = false
      app.dialog = 'train'
      return
    case 'evaluateFolder':
      app.showOpen = false
      app.dialog = 'evaluate'
      return
    case 'loadModel':
      app.showOpen = false
      app.dialog = 'models'
      return
  }
}

/** Subscribes to the menu (desktop app only); returns the unsubscribe function. */
export function listenToMenu(): () => void {
  const bridge = window.tilelabShell
  if (!bridge) return () => undefined
  return bridge.onMenuCommand(applyMenuCommand)
}
