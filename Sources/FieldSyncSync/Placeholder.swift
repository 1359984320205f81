// Placeholder while the layer is written; replaced in this series.
