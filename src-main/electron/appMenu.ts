/**
 * Installs the application menu: menuTemplate.ts's data turned into an Electron Menu, each TileLab item's click
 * running its MenuAction (menuActions.ts). Rebuilt whenever the recent-study list changes.
 */
import { Menu, type MenuItemConstructorOptions } from 'electron'
import type { MenuAction, MenuItemSpec, MenuTemplateOptions } from './menuTemplate'
import { buildMenuTemplate } from './menuTemplate'

function toElectron(item: MenuItemSpec, run: (action: MenuAction) => void): MenuItemConstructorOptions {
  const out: MenuItemConstructorOptions = {}
  if (item.id) out.id = item.id
  if (item.label !== undefined) out.label = item.label
  if (item.type) out.type = item.type
  if (item.role) out.role = item.role
  if (item.accelerator) out.accelerator = item.accelerator
  if (item.enabled !== undefined) out.enabled = item.enabled
  if (item.submenu) out.submenu = item.submenu.map((s) => toElectron(s, run))
  const action = item.action
  if (action) out.click = () => run(action)
  return out
}

/** Builds the menu for `options` and sets it as the application menu. */
export function installAppMenu(options: MenuTemplateOptions, run: (action: MenuAction) => void): Menu {
  const menu = Menu.buildFromTemplate(buildMenuTemplate(options).map((i) => toElectron(i, run)))
  Menu.setApplicationMenu(menu)
  return menu
}
