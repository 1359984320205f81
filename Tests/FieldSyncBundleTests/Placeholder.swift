// Replaced by this layer's tests in this series.
