/**
 * <ReactFlow> writes every prop that changes identity into its store, and each write makes every node, edge and
 * handle check its selection; options shared by the canvases are therefore module-level constants.
 */
export const PRO_OPTIONS = { hideAttribution: true };
