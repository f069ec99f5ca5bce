/**
 * The ground truth (whole tumour, label > 0) as a Cornerstone labelmap drawn as a 2-px outline, one representation
 * per viewport. Every label value is collapsed to segment 1 (renderer-notes.md: undeclared segments ignore the
 * visibility toggle).
 */
import { volumeLoader, type Types } from '@cornerstonejs/core'
import { Enums as ToolsEnums, segmentation, type Types as ToolsTypes } from '@cornerstonejs/tools'

const LABELMAP = ToolsEnums.SegmentationRepresentations.Labelmap
const GT_COLOR = [61, 220, 132, 255] as Types.Color

export class GroundTruthOutline {
  private created = false
  private readonly viewports = new Set<string>()

  /**
   * @param id Segmentation (and labelmap volume) id.
   * @param flairVolumeId The volume the labelmap is derived from (same grid).
   * @param wholeTumor Binary mask, length nx·ny·nz, i fastest.
   */
  constructor(
    readonly id: string,
    private readonly flairVolumeId: string,
    private readonly wholeTumor: Uint8Array,
  ) {}

  /** Adds the outline to a viewport (creating the labelmap on first use). */
  async addTo(viewportId: string): Promise<void> {
    if (!this.created) {
      this.created = true
      const seg = volumeLoader.createAndCacheDerivedLabelmapVolume(this.flairVolumeId, { volumeId: this.id })
      ;(seg.voxelManager as unknown as { setCompleteScalarDataArray(a: ArrayLike<number>): void }).setCompleteScalarDataArray(
        this.wholeTumor,
      )
      segmentation.addSegmentations([
        {
          segmentationId: this.id,
          representation: { type: LABELMAP, data: { volumeId: this.id } },
          config: { segments: { 1: { segmentIndex: 1, label: 'whole tumour', locked: true, active: false } } },
        } as unknown as ToolsTypes.SegmentationPublicInput,
      ])
    }
    await segmentation.addLabelmapRepresentationToViewport(viewportId, [{ segmentationId: this.id }])
    segmentation.config.style.setStyle(
      { type: LABELMAP, viewportId, segmentationId: this.id },
      {
        renderFill: false, renderFillInactive: false, renderOutline: true, renderOutlineInactive: true,
        outlineWidth: 2, outlineWidthInactive: 2, outlineOpacity: 1, outlineOpacityInactive: 1,
      },
    )
    segmentation.config.color.setSegmentIndexColor(viewportId, this.id, 1, GT_COLOR)
    this.viewports.add(viewportId)
  }

  removeFrom(viewportId: string): void {
    if (!this.viewports.delete(viewportId)) return
    segmentation.removeSegmentationRepresentations(viewportId, { segmentationId: this.id })
  }

  setVisible(viewportId: string, visible: boolean): void {
    if (!this.viewports.has(viewportId)) return
    segmentation.config.visibility.setSegmentationRepresentationVisibility(
      viewportId,
      { segmentationId: this.id, type: LABELMAP },
      visible,
    )
  }

  destroy(): void {
    try {
      if (this.created) segmentation.removeSegmentation(this.id)
    } catch {
      /* already gone with a lost context */
    }
    this.viewports.clear()
  }
}
