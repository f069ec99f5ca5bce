/**
 * The app's Train dialog (src-renderer/src/jobs/trainForm.ts) shows the trainer's presets; the renderer cannot import
 * the engine's recipe.ts (it pulls tfjs), so it holds a copy of the values. This checks the copy against the trainer.
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_RECIPE, resolveRecipe } from '../../src-main/engine/training/recipe'
import { defaultTrainForm, PRESET_VALUES, type PresetName } from '../../src-renderer/src/jobs/trainForm'

describe('Train dialog presets', () => {
  it.each(['paper', 'cpu-small'] as PresetName[])("preset %s fills in the trainer's own values", (preset) => {
    const recipe = resolveRecipe({ data: 'x' }, preset)
    const v = PRESET_VALUES[preset]
    expect([Number(v.crop), Number(v.batchSize), Number(v.epochs), Number(v.learningRate), Number(v.baseFilters), Number(v.depth), Number(v.tumorFraction)])
      .toEqual([recipe.crop, recipe.batchSize, recipe.epochs, recipe.lr, recipe.baseFilters, recipe.depth, recipe.tumorFraction])
    expect(v.stepsPerEpoch === '' ? null : Number(v.stepsPerEpoch)).toBe(recipe.stepsPerEpoch)
  })

  it("starts from the trainer's default validation share and seed", () => {
    const f = defaultTrainForm([], '')
    expect([Number(f.valFraction), Number(f.seed)]).toEqual([DEFAULT_RECIPE.valFraction, DEFAULT_RECIPE.seed])
    expect([f.flips, f.rotations, f.input]).toEqual([DEFAULT_RECIPE.flipLeftRight && DEFAULT_RECIPE.flipUpDown, DEFAULT_RECIPE.rotate90, DEFAULT_RECIPE.input])
  })
})
